//! Content-addressed blob storage: every stored file is named by the SHA-256 of its bytes, so the
//! same bytes are stored once, and a name can never point at different bytes.
//!
//! [`BlobStore`] is what the rest of the server uses; [`LocalDisk`] is the embedded default, and
//! an S3-compatible store can implement the same trait.

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::SystemTime;
use tokio::io::AsyncRead;

/// The SHA-256 of a blob's bytes: its name in the store.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlobHash(pub [u8; 32]);

impl BlobHash {
    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 hex digits (any case); `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            out[i] = (high * 16 + low) as u8;
        }
        Some(Self(out))
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({self})")
    }
}

/// Reads a whole file and answers its SHA-256 and length (blocking).
pub fn hash_file(path: &Path) -> io::Result<(BlobHash, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((BlobHash(hasher.finalize().into()), len))
}

/// Why the blob store failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Reading or writing files failed (disk full, permissions …).
    #[error("blob storage I/O failed: {0}")]
    Io(#[from] io::Error),
    /// A blocking storage task panicked or was cancelled.
    #[error("a blob storage task failed")]
    TaskFailed,
}

/// A stored blob, opened for streaming.
pub struct BlobReader {
    /// Its length in bytes.
    pub len: u64,
    /// Its bytes.
    pub reader: Pin<Box<dyn AsyncRead + Send>>,
}

/// Where attachment files live, named by content. Implementations must make a blob visible only
/// once it is complete: a reader never sees half a file.
pub trait BlobStore: Send + Sync {
    /// Takes over the finished local file `file` and stores it under the SHA-256 of its bytes,
    /// which it answers. The file is gone afterwards (moved in, or deleted when the store already
    /// had these bytes). On failure the file may remain; the caller removes it.
    fn put(&self, file: PathBuf) -> BoxFuture<'_, Result<BlobHash, StorageError>>;
    /// Opens a blob; `None` when the store has no such blob.
    fn open(&self, hash: BlobHash) -> BoxFuture<'_, Result<Option<BlobReader>, StorageError>>;
    /// Whether the store has a blob.
    fn exists(&self, hash: BlobHash) -> BoxFuture<'_, Result<bool, StorageError>>;
    /// Deletes a blob unless it was stored (or stored again) after `unless_since`: an upload
    /// of the same bytes may be about to refer to it. Answers whether it was deleted.
    fn delete(
        &self,
        hash: BlobHash,
        unless_since: SystemTime,
    ) -> BoxFuture<'_, Result<bool, StorageError>>;
}

/// Blobs as files under a folder: `{root}/ab/cd/abcd…` (the first two bytes of the hash as
/// folders, so no folder grows too large).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store under `root` (created when missing).
    pub fn new(root: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// Where the blob with this hash lives.
    pub fn path_of(&self, hash: &BlobHash) -> PathBuf {
        let hex = hash.to_hex();
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// The blocking part of [`BlobStore::put`].
    fn put_blocking(&self, file: &Path) -> Result<BlobHash, StorageError> {
        let (hash, _) = hash_file(file)?;
        let target = self.path_of(&hash);
        if target.is_file() {
            // The same bytes are stored already: mark them as freshly wanted, so a clean-up of
            // unsent files running now leaves them alone.
            File::options()
                .append(true)
                .open(&target)?
                .set_modified(SystemTime::now())?;
            std::fs::remove_file(file)?;
            return Ok(hash);
        }
        let dir = target.parent().unwrap_or(&self.root).to_owned();
        std::fs::create_dir_all(&dir)?;
        // Durable before it becomes visible under its name.
        File::open(file)?.sync_all()?;
        match std::fs::rename(file, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
                // Another file system: copy next to the target, then rename there.
                let temp = dir.join(format!(".incoming-{}", uuid::Uuid::now_v7()));
                let copied = std::fs::copy(file, &temp)
                    .and_then(|_| File::open(&temp)?.sync_all())
                    .and_then(|_| std::fs::rename(&temp, &target));
                if let Err(e) = copied {
                    let _ = std::fs::remove_file(&temp);
                    return Err(e.into());
                }
                std::fs::remove_file(file)?;
            }
            Err(e) => return Err(e.into()),
        }
        sync_dir(&dir);
        Ok(hash)
    }
}

/// Makes a rename durable (best effort: not every platform can open a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl BlobStore for LocalDisk {
    fn put(&self, file: PathBuf) -> BoxFuture<'_, Result<BlobHash, StorageError>> {
        let this = self.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || this.put_blocking(&file))
                .await
                .map_err(|_| StorageError::TaskFailed)?
        })
    }

    fn open(&self, hash: BlobHash) -> BoxFuture<'_, Result<Option<BlobReader>, StorageError>> {
        let path = self.path_of(&hash);
        Box::pin(async move {
            let file = match tokio::fs::File::open(&path).await {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let len = file.metadata().await?.len();
            Ok(Some(BlobReader {
                len,
                reader: Box::pin(file),
            }))
        })
    }

    fn exists(&self, hash: BlobHash) -> BoxFuture<'_, Result<bool, StorageError>> {
        let path = self.path_of(&hash);
        Box::pin(async move { Ok(tokio::fs::try_exists(&path).await?) })
    }

    fn delete(
        &self,
        hash: BlobHash,
        unless_since: SystemTime,
    ) -> BoxFuture<'_, Result<bool, StorageError>> {
        let path = self.path_of(&hash);
        Box::pin(async move {
            let modified = match tokio::fs::metadata(&path).await {
                Ok(meta) => meta.modified()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            if modified >= unless_since {
                return Ok(false);
            }
            match tokio::fs::remove_file(&path).await {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn hashes_print_and_parse_as_hex() {
        let hash = BlobHash([0xab; 32]);
        let hex = hash.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.starts_with("abab"));
        assert_eq!(BlobHash::from_hex(&hex), Some(hash));
        assert_eq!(BlobHash::from_hex(&hex.to_uppercase()), Some(hash));
        assert_eq!(BlobHash::from_hex("abc"), None);
        assert_eq!(BlobHash::from_hex(&"zz".repeat(32)), None);
        assert_eq!(BlobHash::from_hex(&"é".repeat(32)), None);
    }

    #[tokio::test]
    async fn same_bytes_are_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDisk::new(dir.path().join("media")).unwrap();
        let a = dir.path().join("a.tmp");
        let b = dir.path().join("b.tmp");
        std::fs::write(&a, b"hello").unwrap();
        std::fs::write(&b, b"hello").unwrap();
        let ha = store.put(a.clone()).await.unwrap();
        let hb = store.put(b.clone()).await.unwrap();
        assert_eq!(ha, hb);
        assert_eq!(
            ha.to_hex(),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(!a.exists() && !b.exists(), "temp files are taken over");
        let path = store.path_of(&ha);
        assert!(path.ends_with(format!("2c/f2/{ha}")), "{path:?}");
        assert!(store.exists(ha).await.unwrap());
        let mut blob = store.open(ha).await.unwrap().unwrap();
        assert_eq!(blob.len, 5);
        let mut bytes = Vec::new();
        blob.reader.read_to_end(&mut bytes).await.unwrap();
        assert_eq!(bytes, b"hello");
        let missing = BlobHash([0; 32]);
        assert!(!store.exists(missing).await.unwrap());
        assert!(store.open(missing).await.unwrap().is_none());
    }
}
