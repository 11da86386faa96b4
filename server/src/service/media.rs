//! Attachments: who may upload to a conversation, send an attachment or download it, and the
//! removal of abandoned uploads. The files themselves are in [`crate::media`].

use super::{ServiceError, ServiceResult};
use crate::db::{Audience, Data, Db, Files, StoredAttachment, Tx, UploadRow, now_ms};
use crate::media::{Media, UPLOAD_TTL};
use kontor_protocol::media::{Attachment, UploadState};
use kontor_protocol::{AttachmentId, ConversationId, UploadId, UserId};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How often old uploads are looked for.
const CLEANUP_EVERY: Duration = Duration::from_secs(15 * 60);

/// Stores a new upload if `row.user` may write in its conversation (`NotFound` otherwise).
pub fn create_upload(tx: &mut Tx<'_>, row: &UploadRow) -> ServiceResult<UploadState> {
    let audience = tx.audience(row.conversation)?;
    if audience.party_of(row.user).is_none() {
        return Err(ServiceError::NotFound);
    }
    tx.insert_upload(row)?;
    Ok(row.state())
}

/// Where an upload of the user's stands; one that became an attachment reports all its bytes
/// received, so a client that lost the answer to `complete` simply completes again.
pub fn upload_state(
    data: &dyn Data,
    id: UploadId,
    user: UserId,
) -> ServiceResult<Option<UploadState>> {
    Ok(match data.upload(id, user)? {
        Some(upload) => Some(upload.state()),
        None => data.finished_upload_state(id, user)?,
    })
}

/// Turns a finished upload into an attachment: the upload row goes, the attachment row comes,
/// in one transaction. `NotFound` when the upload is gone or its owner can no longer write in
/// the conversation.
pub fn finish_upload(
    tx: &mut Tx<'_>,
    upload: &UploadRow,
    attachment: &Attachment,
    files: &Files,
) -> ServiceResult<()> {
    let audience = tx.audience(upload.conversation)?;
    if audience.party_of(upload.user).is_none() || !tx.delete_upload(upload.id)? {
        return Err(ServiceError::NotFound);
    }
    tx.insert_attachment(upload, attachment, files, now_ms())?;
    Ok(())
}

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

/// Runs [`remove_stale_uploads`] now and then every [`CLEANUP_EVERY`].
pub fn spawn_cleanup(media: Arc<Media>, db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CLEANUP_EVERY);
        loop {
            tick.tick().await;
            match remove_stale_uploads(&media, &db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} unfinished uploads older than a day"),
                Err(e) => tracing::warn!("removing old uploads failed: {e}"),
            }
        }
    });
}
