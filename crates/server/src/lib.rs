//! The `tessera` server: configuration, wiring of the core to its store, mail, SMS and
//! HTTP dialects, and the CLI. `main` is a thin shell over [`app`], so tests build the same
//! application on a port-0 listener with their own configuration.

pub mod app;
pub mod cli;
pub mod config;
pub mod import;
