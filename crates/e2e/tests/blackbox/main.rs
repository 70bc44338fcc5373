//! Black-box tests: one binary, a module per dialect, each test on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clumsy;
mod clumsy_social;
mod clumsy_todo;
mod cluster;
mod durability;
mod headers;
mod legacy_import;
mod sspanel;
mod ugene;
mod weplanx;
