//! Core services: each business rule, once.
