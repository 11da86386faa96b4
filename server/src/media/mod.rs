//! Attachments: resumable uploads, photo checks and renditions, content-addressed storage.
//!
//! The HTTP side is in [`crate::http::media`], the database side in [`crate::store::media`].
//! Docs: `docs/media-api.md`.

pub mod image;
pub mod storage;
pub mod uploads;

use crate::store::{Store, media as db, now_ms};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{BlobStore, LocalDisk};
use tokio::sync::Semaphore;
use uploads::Uploads;

/// Partial uploads older than this are removed.
pub const UPLOAD_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How often old uploads are looked for.
const CLEANUP_EVERY: Duration = Duration::from_secs(15 * 60);
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

    /// Removes uploads started more than [`UPLOAD_TTL`] ago (rows and files), and files left
    /// behind without a row. Uploads being written right now are left for the next round.
    pub async fn remove_stale_uploads(self: &Arc<Self>, store: &Store) -> anyhow::Result<usize> {
        let cutoff = now_ms() - UPLOAD_TTL.as_millis() as i64;
        let stale = store.read(move |c| db::uploads_before(c, cutoff)).await?;
        let mut locks = Vec::new();
        for id in stale {
            if let Some(lock) = self.uploads.lock(id) {
                locks.push((id, lock));
            }
        }
        let ids: Vec<_> = locks.iter().map(|(id, _)| *id).collect();
        let removed = store
            .transact(move |tx| db::delete_uploads(tx.conn, &ids))
            .await?;
        let this = self.clone();
        let live: HashSet<_> = store.read(db::live_upload_ids).await?;
        tokio::task::spawn_blocking(move || {
            for (id, _lock) in &locks {
                this.uploads.remove_files(*id);
            }
            this.uploads.sweep_orphans(&live, UPLOAD_TTL);
        })
        .await?;
        Ok(removed)
    }
}

/// Runs [`Media::remove_stale_uploads`] now and then every 15 minutes.
pub fn spawn_cleanup(media: Arc<Media>, store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        loop {
            tick.tick().await;
            match media.remove_stale_uploads(&store).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} unfinished uploads older than a day"),
                Err(e) => tracing::warn!("removing old uploads failed: {e}"),
            }
        }
    });
}
