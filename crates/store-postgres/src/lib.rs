//! PostgreSQL engine for Tessera's store ports (for several stateless nodes).
