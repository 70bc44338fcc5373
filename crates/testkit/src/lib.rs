//! Test harness: real server on port 0, SMTP sink, fake SMS gateway.
