//! Blobs as files under one directory. A key is checked before it becomes a path, so no key
//! can name anything outside the directory; a write lands in a temporary file next to its
//! target and is renamed into place, so readers see the old bytes or the new, never a part.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use tessera_core::ports::{BlobStore, MediaError};

/// Longest key accepted. Server keys are about 70 characters; the bound keeps paths well
/// under `PATH_MAX`.
const MAX_KEY_LEN: usize = 255;
/// Longest segment: leaves room in `NAME_MAX` (255) for the temporary file's affixes.
const MAX_SEGMENT_LEN: usize = 128;
/// Deepest nesting accepted.
const MAX_SEGMENTS: usize = 8;

/// A [`BlobStore`] over a local directory, for single-node installs and nodes that share a
/// mounted volume. Each key `a/b/c` is the file `<dir>/a/b/c`, readable by the server's user
/// only.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    dir: PathBuf,
}

impl LocalBlobStore {
    /// A store rooted at `dir`. Nothing is touched yet: the directory (and the folders keys
    /// need below it) are created by the first write, so tools that only read or delete work
    /// even before the server ever started.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The root directory, for start-up messages and checks.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the root directory (private to the server's user on unix) if it is missing,
    /// so a server start fails early and clearly on a path it cannot use, rather than at the
    /// first upload. Blocking: meant for start-up.
    ///
    /// # Errors
    /// The I/O error, for the caller to report with the config key that named the path.
    pub fn create_dir(&self) -> io::Result<()> {
        create_private_dirs(&self.dir)
    }

    /// The file that holds `key`, once `key` is known to stay inside the directory.
    fn path_of(&self, key: &str) -> Result<PathBuf, MediaError> {
        validate_key(key)?;
        Ok(self.dir.join(key))
    }
}

/// Accepts only `/`-separated, non-empty segments of `[A-Za-z0-9_-]`: no `.` or `..`, no
/// leading `/`, no backslash or NUL, so the key can only name a file below the root, and a
/// temporary file (which starts with `.`) can never be mistaken for a key.
fn validate_key(key: &str) -> Result<(), MediaError> {
    let refuse = |why: &str| {
        let shown: String = key.chars().take(64).collect();
        Err(MediaError::Storage(format!(
            "refused blob key {shown:?} ({} bytes): {why}",
            key.len()
        )))
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return refuse("length out of range");
    }
    let mut segments = 0;
    for segment in key.split('/') {
        segments += 1;
        if segment.is_empty() || segment.len() > MAX_SEGMENT_LEN {
            return refuse("empty or overlong segment");
        }
        if !segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return refuse("only [A-Za-z0-9_-] segments separated by /");
        }
    }
    if segments > MAX_SEGMENTS {
        return refuse("too deeply nested");
    }
    Ok(())
}

fn storage(action: &str, path: &Path, e: &io::Error) -> MediaError {
    MediaError::Storage(format!("{action} {}: {e}", path.display()))
}

/// Creates `dir` and its parents, private to the server's user on unix.
fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Blocking body of [`LocalBlobStore::put`]: temp file, fsync, rename, fsync of the folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(MediaError::Storage(format!(
            "blob path {} has no parent",
            path.display()
        )));
    };
    create_private_dirs(parent).map_err(|e| storage("cannot create", parent, &e))?;
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    // On any error below, dropping `tmp` removes the partial file.
    let mut tmp = builder
        .tempfile_in(parent)
        .map_err(|e| storage("cannot create a temporary file in", parent, &e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| storage("cannot write", tmp.path(), &e))?;
    tmp.persist(path)
        .map_err(|e| storage("cannot rename into", path, &e.error))?;
    // The rename is durable once the folder's entry is; without this a crash could lose a
    // blob whose metadata row was already committed.
    #[cfg(unix)]
    std::fs::File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| storage("cannot sync", parent, &e))?;
    Ok(())
}

/// Whether an I/O error means "there is no such blob" (a missing file, or a missing folder on
/// the way to it).
fn is_absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError> {
        let path = self.path_of(key)?;
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(|e| MediaError::Storage(format!("blob write task failed: {e}")))?
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, MediaError> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(storage("cannot read", &path, &e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if is_absent(&e) => Ok(()),
            Err(e) => Err(storage("cannot delete", &path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, LocalBlobStore) {
        let tmp = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::new(tmp.path().join("files"));
        (tmp, store)
    }

    /// Every file and folder below `dir`, relative to it.
    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
                if path.is_dir() {
                    stack.push(path);
                }
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn round_trip_overwrite_and_delete() {
        let (_tmp, store) = store();
        let key = "file/0123456789abcdef0123456789abcdef/AbCdEfGh0123456789abcdefghijKLMN";
        assert_eq!(store.get(key).await.unwrap(), None);
        store.put(key, b"first").await.unwrap();
        assert_eq!(
            store.get(key).await.unwrap().as_deref(),
            Some(&b"first"[..])
        );
        store.put(key, b"second, longer").await.unwrap();
        assert_eq!(
            store.get(key).await.unwrap().as_deref(),
            Some(&b"second, longer"[..])
        );
        store.put("avatar/x_y-z", b"").await.unwrap();
        assert_eq!(
            store.get("avatar/x_y-z").await.unwrap().as_deref(),
            Some(&b""[..])
        );
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None);
        // No temporary files left behind.
        assert_eq!(
            tree(store.dir()),
            [
                "avatar",
                "avatar/x_y-z",
                "file",
                "file/0123456789abcdef0123456789abcdef"
            ]
        );
    }

    #[test]
    fn create_dir_makes_the_root_and_tolerates_an_existing_one() {
        let (_tmp, store) = store();
        store.create_dir().unwrap();
        assert!(store.dir().is_dir());
        store.create_dir().unwrap();
    }

    #[tokio::test]
    async fn missing_keys_read_as_none_and_delete_quietly() {
        let (_tmp, store) = store();
        // The root does not even exist yet.
        assert_eq!(store.get("file/a/b").await.unwrap(), None);
        store.delete("file/a/b").await.unwrap();
        store.put("file/a", b"x").await.unwrap();
        // A path through a file, not a folder, is absent too.
        assert_eq!(store.get("file/a/b").await.unwrap(), None);
        store.delete("file/a/b").await.unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn files_and_folders_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, store) = store();
        store.put("file/a/b", b"secret").await.unwrap();
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir().join("file/a/b")), 0o600);
        // Overwriting keeps the file private.
        store.put("file/a/b", b"again").await.unwrap();
        assert_eq!(mode(store.dir().join("file/a/b")), 0o600);
        assert_eq!(mode(store.dir().join("file/a")) & 0o077, 0);
    }

    #[tokio::test]
    async fn keys_that_could_escape_are_refused_without_touching_the_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(tmp.path().join("outside"), b"keep").unwrap();
        let store = LocalBlobStore::new(&root);
        let long = "a".repeat(MAX_KEY_LEN + 1);
        let long_segment = format!("file/{}", "b".repeat(MAX_SEGMENT_LEN + 1));
        let deep = ["a"; MAX_SEGMENTS + 1].join("/");
        let bad = [
            "",
            "../x",
            "../outside",
            "/abs",
            "a//b",
            "a/./b",
            "a/../b",
            "a/..",
            ".",
            "..",
            "a/",
            "/",
            "a\\b",
            "..\\x",
            "a b",
            "a\0b",
            "fïle",
            ".hidden",
            long.as_str(),
            long_segment.as_str(),
            deep.as_str(),
        ];
        for key in bad {
            assert!(
                matches!(store.put(key, b"x").await, Err(MediaError::Storage(_))),
                "put {key:?}"
            );
            assert!(
                matches!(store.get(key).await, Err(MediaError::Storage(_))),
                "get {key:?}"
            );
            assert!(
                matches!(store.delete(key).await, Err(MediaError::Storage(_))),
                "delete {key:?}"
            );
        }
        assert_eq!(tree(tmp.path()), ["outside", "root"]);
        assert_eq!(std::fs::read(tmp.path().join("outside")).unwrap(), b"keep");
    }

    #[test]
    fn server_shaped_keys_are_accepted() {
        for key in [
            "file/0123456789abcdef0123456789abcdef/AbCdEfGh0123456789abcdefghijKLMN",
            "avatar/0123456789abcdef0123456789abcdef/x",
            "a",
            "A-b_c/9",
        ] {
            assert!(validate_key(key).is_ok(), "{key}");
        }
    }
}
