//! Test harness shared by every black-box test in the project: a real SMTP sink and a fake
//! HTTP SMS gateway, both listening on `127.0.0.1:0` so tests run in parallel without port
//! clashes. Each server runs on its own thread with its own single-threaded tokio runtime:
//! it keeps answering even while a test blocks its own runtime, starts from sync or async
//! code, and stops when its handle is dropped. Nothing here knows about the Tessera server
//! or its dialects, so the api and server crates can use it as a dev-dependency.
// Test support: `start()` cannot return an error a test could handle better than a clear
// panic (no loopback socket means no test can run), so the few such places use `expect`
// with a message instead of threading a `Result` through every test.
#![allow(clippy::expect_used)]

mod background;
pub mod identity_provider;
mod received;
pub mod sms_gateway;
pub mod smtp;

pub use identity_provider::{FakeIdentityProvider, IdpRequest};
pub use sms_gateway::{FakeSmsGateway, RecordedRequest};
pub use smtp::{ReceivedMail, SmtpSink};
