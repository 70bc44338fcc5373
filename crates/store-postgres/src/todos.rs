//! To-do items.

use async_trait::async_trait;
use tessera_core::store::TodoStore;

use crate::PgStore;

#[async_trait]
impl TodoStore for PgStore {}
