//! The store conformance suite, run against every engine.
