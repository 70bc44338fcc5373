//! Black-box tests: one binary, a module per dialect, each test on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_revocations;
mod clumsy;
mod clumsy_social;
mod clumsy_todo;
mod cluster;
mod crash;
mod durability;
mod headers;
mod legacy_import;
mod races;
mod rate_limits;
mod second_factor;
mod sspanel;
mod ugene;
mod weplanx;
