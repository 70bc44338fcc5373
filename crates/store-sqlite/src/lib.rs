//! SQLite engine for Tessera's store ports (the embedded default).
