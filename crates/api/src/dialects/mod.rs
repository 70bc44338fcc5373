//! The dialects: one module per wire protocol.

pub mod clumsy;
pub mod sspanel;
pub mod ugene;
pub mod weplanx;
