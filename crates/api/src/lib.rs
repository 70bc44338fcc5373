//! HTTP dialects of Tessera: thin routers over the core.
