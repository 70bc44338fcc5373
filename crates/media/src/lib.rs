//! Uploaded bytes and avatar pictures, behind the core's media ports.
//!
//! The core defines [`BlobStore`](tessera_core::ports::BlobStore) and
//! [`AvatarProcessor`](tessera_core::ports::AvatarProcessor) so it never touches a file system
//! or an image decoder itself; this crate implements them for a single-directory deployment:
//! [`LocalBlobStore`] keeps each blob as a file under one directory, and
//! [`ImageAvatarProcessor`] decodes an upload by its content and re-encodes it as a small PNG.
//! Both keep their blocking work off the async runtime.

mod avatar;
mod blob;

pub use avatar::ImageAvatarProcessor;
pub use blob::LocalBlobStore;
