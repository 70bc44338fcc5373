//! The dialects: one module per wire protocol.

pub mod weplanx;
