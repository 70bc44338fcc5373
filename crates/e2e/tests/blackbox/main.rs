//! Black-box tests: one binary, a module per dialect, each test on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;
mod clumsy;
mod clumsy_social;
mod clumsy_todo;
mod durability;
mod weplanx;
