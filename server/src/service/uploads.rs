//! Uploads: what may be announced, who may upload to a conversation, and the pipeline (chunks
//! in order, completion: photos checked and re-encoded, files into the blob store, the
//! attachment row in one transaction). The files themselves are handled by [`crate::media`].

use super::{ServiceError, ServiceResult};
use crate::db::{Data, Db, Files, Tx, UploadRow, now_ms};
use crate::media::Media;
use crate::media::image::{self as photo, PhotoError};
use crate::media::storage::BlobHash;
use crate::media::uploads::{self, NameError};
use kontor_protocol::media::{
    Attachment, AttachmentKind, MAX_UPLOAD_BYTES, MAX_VOICE_MS, NewUpload, UploadState,
    is_photo_mime,
};
use kontor_protocol::{AttachmentId, UploadId, UserId};
use std::path::PathBuf;
use std::sync::Arc;

/// The refusal for an upload that is not (or no longer) the caller's to continue.
const NO_UPLOAD: ServiceError = ServiceError::Missing(
    "No such upload: it was completed, cancelled or has expired. Please start again.",
);

/// The refusal while another request works on the same upload.
fn busy() -> ServiceError {
    ServiceError::OutOfStep(
        "Another request is working on this upload right now. Please try again.".into(),
    )
}

/// Media types browsers record sound-only notes in although they name a video container.
fn is_audio_container(mime: &str) -> bool {
    matches!(mime, "video/webm" | "video/mp4" | "video/ogg")
}

/// Checks an announced upload and turns it into the row to store.
pub fn announce(req: NewUpload, user: UserId) -> ServiceResult<UploadRow> {
    if req.size == 0 {
        return Err(ServiceError::TooLarge("That file is empty.".into()));
    }
    if req.size > MAX_UPLOAD_BYTES {
        return Err(ServiceError::TooLarge(format!(
            "A file is at most {} MiB.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let name = uploads::clean_name(&req.name).map_err(|e| {
        ServiceError::Invalid(match e {
            NameError::Empty => "The file needs a name.",
            NameError::TooLong => "That file name is too long.",
        })
    })?;
    let mime = uploads::clean_mime(&req.mime);
    let (mime, duration_ms) = match req.kind {
        AttachmentKind::Photo => match mime {
            Some(m) if is_photo_mime(&m) => (m, None),
            _ => {
                return Err(ServiceError::InvalidImage(
                    "A photo must be a JPEG, PNG, WebP or GIF image. Send other files as a document."
                        .into(),
                ));
            }
        },
        AttachmentKind::Voice => {
            let mime = match mime {
                Some(m) if m.starts_with("audio/") || is_audio_container(&m) => m,
                // Some recorders leave the type empty.
                None if req.mime.trim().is_empty() => "application/octet-stream".into(),
                _ => {
                    return Err(ServiceError::Invalid(
                        "A voice message must be an audio recording.",
                    ));
                }
            };
            if req.duration_ms.is_some_and(|d| d > MAX_VOICE_MS) {
                return Err(ServiceError::Refused(format!(
                    "A voice message is at most {} minutes long.",
                    MAX_VOICE_MS / 60_000
                )));
            }
            (mime, req.duration_ms)
        }
        AttachmentKind::Document => (
            mime.unwrap_or_else(|| "application/octet-stream".into()),
            None,
        ),
    };
    Ok(UploadRow {
        id: UploadId::new(),
        user,
        conversation: req.conversation_id,
        name,
        mime,
        kind: req.kind,
        size: req.size,
        received: 0,
        duration_ms,
        created_at: now_ms(),
    })
}

/// Announces an upload to a conversation the caller may write in.
pub async fn create(
    db: &Db,
    req: NewUpload,
    user: UserId,
    quotas: Quotas,
) -> ServiceResult<UploadState> {
    let row = announce(req, user)?;
    db.transact(move |tx| create_upload(tx, &row, quotas))
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => ServiceError::Missing("No such conversation."),
            other => other,
        })
}

/// The caller's upload in progress.
async fn own_upload(db: &Db, id: UploadId, user: UserId) -> ServiceResult<UploadRow> {
    db.read(move |d| d.upload(id, user)).await?.ok_or(NO_UPLOAD)
}

/// Where an upload stands, for the caller (see [`upload_state`]).
pub async fn state(db: &Db, id: UploadId, user: UserId) -> ServiceResult<UploadState> {
    db.read(move |d| upload_state(d, id, user))
        .await?
        .ok_or(NO_UPLOAD)
}

/// Stores the next bytes of an upload, which must start where the server's bytes end.
pub async fn put_chunk(
    db: &Db,
    media: &Media,
    user: UserId,
    id: UploadId,
    offset: u64,
    bytes: axum::body::Bytes,
) -> ServiceResult<UploadState> {
    own_upload(db, id, user).await?;
    let _lock = media.uploads.lock(id).ok_or_else(busy)?;
    // Read again under the lock: a request that just finished may have moved it.
    let upload = own_upload(db, id, user).await?;
    if offset != upload.received {
        return Err(ServiceError::OutOfStep(format!(
            "The server has {} of {} bytes: send from offset {}.",
            upload.received, upload.size, upload.received
        )));
    }
    let received = upload.received + bytes.len() as u64;
    if received > upload.size {
        return Err(ServiceError::TooLarge(format!(
            "That is more than the {} bytes announced.",
            upload.size
        )));
    }
    if bytes.is_empty() {
        return Ok(upload.state());
    }
    let path = media.uploads.part_path(id);
    tokio::task::spawn_blocking(move || uploads::write_chunk(&path, offset, &bytes))
        .await
        .map_err(|_| crate::db::DbError::TaskFailed)??;
    if !db
        .transact(move |tx| Ok::<_, ServiceError>(tx.set_received(id, received)?))
        .await?
    {
        return Err(NO_UPLOAD);
    }
    Ok(UploadState {
        received,
        ..upload.state()
    })
}

/// Cancels an upload of the caller's and deletes its bytes.
pub async fn cancel(db: &Db, media: &Arc<Media>, user: UserId, id: UploadId) -> ServiceResult<()> {
    own_upload(db, id, user).await?;
    let _lock = media.uploads.lock(id).ok_or_else(busy)?;
    discard(db, media, id).await;
    Ok(())
}

/// Removes an upload's row and files (best effort: what remains, the cleanup task removes).
async fn discard(db: &Db, media: &Arc<Media>, id: UploadId) {
    if let Err(e) = db
        .transact(move |tx| Ok::<_, ServiceError>(tx.delete_upload(id)?))
        .await
    {
        tracing::warn!("could not delete upload {id}: {e}");
    }
    let media = media.clone();
    let _ = tokio::task::spawn_blocking(move || media.uploads.remove_files(id)).await;
}

/// Checks a complete upload and stores it as an attachment; completing an upload again answers
/// the attachment it became. Runs to its end even when the caller goes away meanwhile: a retry
/// then finds the attachment made, instead of an upload whose bytes were half moved.
pub async fn complete(
    db: &Db,
    media: &Arc<Media>,
    user: UserId,
    id: UploadId,
) -> ServiceResult<Attachment> {
    if own_upload(db, id, user).await.is_err() {
        return already_made(db, id, user).await;
    }
    let (db, media) = (db.clone(), media.clone());
    tokio::spawn(async move { complete_owned(&db, &media, user, id).await })
        .await
        .map_err(|_| crate::db::DbError::TaskFailed)?
}

async fn complete_owned(
    db: &Db,
    media: &Arc<Media>,
    user: UserId,
    id: UploadId,
) -> ServiceResult<Attachment> {
    let _lock = media.uploads.lock(id).ok_or_else(busy)?;
    let Ok(upload) = own_upload(db, id, user).await else {
        return already_made(db, id, user).await;
    };
    if upload.received < upload.size {
        return Err(ServiceError::OutOfStep(format!(
            "The server has {} of {} bytes: send the rest from offset {} first.",
            upload.received, upload.size, upload.received
        )));
    }
    let part = media.uploads.part_path(id);
    let on_disk = tokio::fs::metadata(&part)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    if on_disk < upload.size {
        // The file lost bytes the database counted (a disk problem): resume from what is there.
        tracing::warn!(
            "upload {id}: {on_disk} bytes on disk, {} recorded",
            upload.received
        );
        db.transact(move |tx| Ok::<_, ServiceError>(tx.set_received(id, on_disk)?))
            .await?;
        return Err(ServiceError::OutOfStep(format!(
            "The server has {on_disk} of {} bytes: send the rest from offset {on_disk} first.",
            upload.size
        )));
    }
    match store_upload(db, media, &upload).await {
        Ok(attachment) => {
            // A photo's upload was only read: its bytes go now.
            let media = media.clone();
            let _ = tokio::task::spawn_blocking(move || media.uploads.remove_files(id)).await;
            Ok(attachment)
        }
        Err(e) => {
            // Nothing is kept half: the bytes and the upload go.
            discard(db, media, id).await;
            Err(e)
        }
    }
}

/// The attachment an upload that is no longer in progress became.
async fn already_made(db: &Db, id: UploadId, user: UserId) -> ServiceResult<Attachment> {
    db.read(move |d| d.attachment_of_upload(id, user))
        .await?
        .ok_or(NO_UPLOAD)
}

/// Checks and stores a complete upload; answers the attachment it became.
async fn store_upload(db: &Db, media: &Media, upload: &UploadRow) -> ServiceResult<Attachment> {
    let id = upload.id;
    let part = media.uploads.part_path(id);
    let (files, size, width, height, mime) = if upload.kind == AttachmentKind::Photo {
        let paths = [
            media.uploads.work_path(id, "original"),
            media.uploads.work_path(id, "preview"),
            media.uploads.work_path(id, "thumb"),
        ];
        let declared = upload.mime.clone();
        let work = paths.clone();
        let checked = media
            .images
            .run(move || {
                let [original, preview, thumb] = &work;
                let out = photo::Outputs {
                    original,
                    preview,
                    thumb,
                };
                photo::process(&part, &declared, out)
            })
            .await?;
        let photo = checked.map_err(|e| match e {
            PhotoError::Io(e) => ServiceError::Io(e),
            refused => ServiceError::InvalidImage(refused.to_string()),
        })?;
        let size = tokio::fs::metadata(&paths[0]).await?.len();
        let [original, preview, thumb] = paths;
        let files = Files {
            original: put(media, original).await?,
            preview: Some(put(media, preview).await?),
            thumb: Some(put(media, thumb).await?),
        };
        (
            files,
            size,
            Some(photo.width),
            Some(photo.height),
            photo.mime.to_owned(),
        )
    } else {
        let files = Files {
            original: put(media, part).await?,
            preview: None,
            thumb: None,
        };
        (files, upload.size, None, None, upload.mime.clone())
    };
    let attachment = Attachment {
        id: AttachmentId::new(),
        kind: upload.kind,
        name: upload.name.clone(),
        mime,
        size,
        width,
        height,
        duration_ms: upload.duration_ms,
    };
    let (row, stored) = (upload.clone(), attachment.clone());
    db.transact(move |tx| finish_upload(tx, &row, &stored, &files))
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => ServiceError::Missing("No such conversation."),
            other => other,
        })?;
    Ok(attachment)
}

async fn put(media: &Media, file: PathBuf) -> ServiceResult<BlobHash> {
    Ok(media.blobs.put(file).await?)
}

/// Stores a new upload if `row.user` may write in its conversation (`NotFound` otherwise).
pub fn create_upload(
    tx: &mut Tx<'_>,
    row: &UploadRow,
    quotas: Quotas,
) -> ServiceResult<UploadState> {
    let audience = tx.audience(row.conversation)?;
    if audience.party_of(row.user).is_none() {
        return Err(ServiceError::NotFound);
    }
    // A team member's files in a customer conversation count for the business, not for them.
    let (used, quota, whose) = match audience.business {
        Some(business) if audience.is_team(row.user) => (
            tx.business_bytes(business)?,
            quotas.business,
            "The business's",
        ),
        _ => (tx.personal_bytes(row.user)?, quotas.personal, "Your"),
    };
    if used.saturating_add(row.size) > quota {
        return Err(ServiceError::TooLarge(format!(
            "{whose} storage is full: {} of {} used, and this file needs {} more.",
            amount(used),
            amount(quota),
            amount(row.size)
        )));
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

/// How many bytes of attachments an account and a business may keep.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    /// A person's own files.
    pub personal: u64,
    /// A business team's files in its customer conversations.
    pub business: u64,
}

impl Quotas {
    /// The quotas of the settings.
    pub fn of(limits: &crate::config::Limits) -> Self {
        const MIB: u64 = 1024 * 1024;
        Self {
            personal: limits.storage_per_account_mib.saturating_mul(MIB),
            business: limits.storage_per_business_mib.saturating_mul(MIB),
        }
    }
}

/// Bytes in words: "512 KiB", "3.4 MiB", "2.0 GiB".
fn amount(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB * KIB {
        format!("{:.0} KiB", (b / KIB).ceil())
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
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
