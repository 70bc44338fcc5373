//! Mail (SMTP, file) and SMS (log, HTTP gateway) transports for the outbox.
