//! Attachments: resumable uploads, photo checks and renditions, content-addressed storage.
//!
//! The HTTP side is in [`crate::http::media`], the rules in [`crate::service::media`].
//! Docs: `docs/media-api.md`.

pub mod image;
pub mod storage;
pub mod uploads;

use crate::workers::Workers;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{BlobStore, LocalDisk};
use uploads::Uploads;

/// Partial uploads older than this are removed.
pub const UPLOAD_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Pictures (photos and logos) decoded at the same time (each may take a few hundred MB while
/// it is decoded).
const IMAGE_THREADS: usize = 2;
/// Pictures that may wait for a thread; more are refused as busy.
const IMAGE_LINE: usize = 16;

/// Everything attachments need at run time, shared by the handlers.
pub struct Media {
    /// Where finished files are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// Uploads in progress.
    pub uploads: Uploads,
    /// Decodes pictures, a few at a time, so a burst of uploads cannot exhaust memory.
    pub images: Workers,
}

impl Media {
    /// Files under `data_dir`: blobs in `media/`, uploads in progress in `uploads/`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            blobs: Arc::new(LocalDisk::new(data_dir.join("media"))?),
            uploads: Uploads::new(data_dir.join("uploads"))?,
            images: Workers::new("kontor-images", IMAGE_THREADS, IMAGE_LINE),
        })
    }
}
