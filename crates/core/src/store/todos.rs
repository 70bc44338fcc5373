//! Store port for to-do items (the clumsy-tools dialect's resource).

use async_trait::async_trait;

/// To-do items.
#[async_trait]
pub trait TodoStore: Send + Sync {}
