//! Identifier newtypes, so a session id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id, so inserts stay index-friendly.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The compact public form: 32 lowercase hex digits.
            pub fn to_simple(&self) -> String {
                self.0.simple().to_string()
            }

            /// Parses the compact or hyphenated form.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::try_parse(s).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0.simple())
            }
        }
    };
}

id_type!(
    /// Internal and public identifier of an account.
    UserId
);
id_type!(
    /// Identifier of one sign-in on one device.
    SessionId
);
