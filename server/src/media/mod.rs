//! Attachments: resumable uploads, photo checks and renditions, content-addressed storage.
//!
//! The HTTP side is in [`crate::http::media`], the rules in [`crate::service::media`].
//! Docs: `docs/media-api.md`.

pub mod image;
pub mod storage;
pub mod uploads;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{BlobStore, LocalDisk};
use tokio::sync::Semaphore;
use uploads::Uploads;

/// Partial uploads older than this are removed.
pub const UPLOAD_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Photos decoded at the same time (each may take a few hundred MB while it is decoded).
const PHOTO_SLOTS: usize = 2;

/// Everything attachments need at run time, shared by the handlers.
pub struct Media {
    /// Where finished files are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// Uploads in progress.
    pub uploads: Uploads,
    /// Bounds concurrent photo decoding so a burst of uploads cannot exhaust memory.
    pub photo_slots: Semaphore,
}

impl Media {
    /// Files under `data_dir`: blobs in `media/`, uploads in progress in `uploads/`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            blobs: Arc::new(LocalDisk::new(data_dir.join("media"))?),
            uploads: Uploads::new(data_dir.join("uploads"))?,
            photo_slots: Semaphore::new(PHOTO_SLOTS),
        })
    }
}
