//! Attachments: who may send or download one, and the removal of abandoned uploads (the
//! upload pipeline is in [`super::uploads`]).

use super::{ServiceError, ServiceResult};
use crate::db::{Audience, Data, Db, StoredAttachment, now_ms};
use crate::media::storage::BlobHash;
use crate::media::uploads;
use crate::media::{Media, UPLOAD_TTL};
use kontor_protocol::media::{Attachment, Variant};
use kontor_protocol::{AttachmentId, ConversationId, UserId};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A download the caller may have: the blob, its media type, and the file name (originals).
#[derive(Debug, Clone)]
pub struct Download {
    /// Which blob.
    pub hash: BlobHash,
    /// The type to serve it as.
    pub content_type: String,
    /// The attachment's name, for an original.
    pub name: Option<String>,
}

/// The rendition of an attachment `user` may download.
pub async fn download(
    db: &Db,
    user: UserId,
    id: AttachmentId,
    variant: Variant,
) -> ServiceResult<Download> {
    let found = db
        .read(move |d| attachment_for(d, id, user))
        .await?
        .ok_or(ServiceError::Missing("No such attachment."))?;
    let a = &found.attachment;
    let (hash, content_type, name) = match variant {
        Variant::Original => (
            Some(found.files.original),
            uploads::served_mime(&a.mime).to_owned(),
            Some(a.name.clone()),
        ),
        Variant::Preview => (found.files.preview, "image/jpeg".to_owned(), None),
        Variant::Thumb => (found.files.thumb, "image/jpeg".to_owned(), None),
    };
    let hash = hash.ok_or(ServiceError::Missing(
        "Only photos have a preview and a thumbnail.",
    ))?;
    Ok(Download {
        hash,
        content_type,
        name,
    })
}

/// How often old uploads are looked for.
const CLEANUP_EVERY: Duration = Duration::from_secs(15 * 60);

/// An attachment `user` may download: they can read its conversation (a member, or on the
/// business's team). `None` for everyone else, exactly as for an unknown id.
pub fn attachment_for(
    data: &dyn Data,
    id: AttachmentId,
    user: UserId,
) -> ServiceResult<Option<StoredAttachment>> {
    let Some(found) = data.attachment(id)? else {
        return Ok(None);
    };
    let audience = data.conversation_audience(found.conversation)?;
    Ok(audience.party_of(user).map(|_| found))
}

/// The attachment `sender` may put on a message in `conversation`: uploaded to that
/// conversation by the sender, or, in a business's conversation, by a teammate of the sender's.
pub fn sendable(
    data: &dyn Data,
    audience: &Audience,
    sender: UserId,
    conversation: ConversationId,
    id: AttachmentId,
) -> ServiceResult<Attachment> {
    let refused = || {
        ServiceError::Invalid("That attachment cannot be sent here: upload it to this chat first.")
    };
    let found = data.attachment(id)?.ok_or_else(refused)?;
    let own = found.uploader == sender;
    let teammate = audience.is_team(sender) && audience.is_team(found.uploader);
    if found.conversation != conversation || !(own || teammate) {
        return Err(refused());
    }
    Ok(found.attachment)
}

/// Removes uploads started more than [`UPLOAD_TTL`] ago (rows and files), and files left
/// behind without a row. Uploads being written right now are left for the next round.
pub async fn remove_stale_uploads(media: &Arc<Media>, db: &Db) -> ServiceResult<usize> {
    let cutoff = now_ms() - UPLOAD_TTL.as_millis() as i64;
    let stale = db
        .read(move |d| Ok::<_, ServiceError>(d.uploads_before(cutoff)?))
        .await?;
    let mut locks = Vec::new();
    for id in stale {
        if let Some(lock) = media.uploads.lock(id) {
            locks.push((id, lock));
        }
    }
    let ids: Vec<_> = locks.iter().map(|(id, _)| *id).collect();
    let removed = db
        .transact(move |tx| Ok::<_, ServiceError>(tx.delete_uploads(&ids)?))
        .await?;
    let live: HashSet<_> = db
        .read(|d| Ok::<_, ServiceError>(d.live_upload_ids()?))
        .await?;
    let media = media.clone();
    tokio::task::spawn_blocking(move || {
        for (id, _lock) in &locks {
            media.uploads.remove_files(*id);
        }
        media.uploads.sweep_orphans(&live, UPLOAD_TTL);
    })
    .await
    .map_err(|_| crate::db::DbError::TaskFailed)?;
    Ok(removed)
}

/// How long a stored file must have gone unused before it is deleted: an upload of the same
/// bytes that is finishing right now may be about to refer to it.
const BLOB_GRACE: Duration = Duration::from_secs(60 * 60);

/// Deletes files that were uploaded and finished but never sent in a message within
/// `unsent_for`, and the stored files nothing else uses; answers how many attachments went.
pub async fn remove_unsent_attachments(
    media: &Arc<Media>,
    db: &Db,
    unsent_for: Duration,
) -> ServiceResult<usize> {
    let cutoff = now_ms() - i64::try_from(unsent_for.as_millis()).unwrap_or(i64::MAX);
    let unsent = db
        .read(move |d| Ok::<_, ServiceError>(d.unsent_attachments_before(cutoff)?))
        .await?;
    if unsent.is_empty() {
        return Ok(0);
    }
    let count = unsent.len();
    let files = db
        .transact(move |tx| Ok::<_, ServiceError>(tx.delete_unsent_attachments(&unsent)?))
        .await?;
    let unless_since = SystemTime::now() - BLOB_GRACE;
    for hash in files {
        let in_use = db
            .read(move |d| Ok::<_, ServiceError>(d.blob_in_use(&hash)?))
            .await?;
        if !in_use {
            media.blobs.delete(hash, unless_since).await?;
        }
    }
    Ok(count)
}

/// Runs [`remove_stale_uploads`] and [`remove_unsent_attachments`] now and then every
/// [`CLEANUP_EVERY`].
pub fn spawn_cleanup(media: Arc<Media>, db: Db, unsent_for: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        loop {
            tick.tick().await;
            match remove_stale_uploads(&media, &db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} unfinished uploads older than a day"),
                Err(e) => tracing::warn!("removing old uploads failed: {e}"),
            }
            match remove_unsent_attachments(&media, &db, unsent_for).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} files that were uploaded and never sent"),
                Err(e) => tracing::warn!("removing unsent files failed: {e}"),
            }
        }
    });
}
