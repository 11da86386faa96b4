//! Uploads in progress and stored attachments. Files live outside the database (see
//! [`crate::media`]); these rows say whose they are and where they may be sent.

use super::reads::Audience;
use super::{StoreError, Tx, now_ms};
use crate::media::storage::BlobHash;
use kontor_protocol::media::{Attachment, AttachmentKind, UploadState};
use kontor_protocol::{AttachmentId, ConversationId, UploadId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashSet;

/// How a kind is stored.
pub fn kind_str(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Photo => "photo",
        AttachmentKind::Document => "document",
        AttachmentKind::Voice => "voice",
    }
}

fn kind_from(raw: &str) -> Option<AttachmentKind> {
    match raw {
        "photo" => Some(AttachmentKind::Photo),
        "document" => Some(AttachmentKind::Document),
        "voice" => Some(AttachmentKind::Voice),
        _ => None,
    }
}

fn corrupt(what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} could not be read").into(),
    )
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// Its id.
    pub id: UploadId,
    /// Who uploads (the only one who may see or continue it).
    pub user: UserId,
    /// Where the attachment will be sent.
    pub conversation: ConversationId,
    /// Cleaned file name.
    pub name: String,
    /// Cleaned media type as announced.
    pub mime: String,
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// Announced size in bytes.
    pub size: u64,
    /// Bytes stored so far.
    pub received: u64,
    /// Voice notes: their length.
    pub duration_ms: Option<u32>,
    /// When it was announced, ms since epoch.
    pub created_at: i64,
}

impl UploadRow {
    /// Where the upload stands, as clients are told.
    pub fn state(&self) -> UploadState {
        UploadState {
            id: self.id,
            received: self.received,
            size: self.size,
        }
    }
}

/// Stores a new upload if `row.user` may write in its conversation (`NotFound` otherwise).
pub fn create_upload(tx: &mut Tx<'_>, row: &UploadRow) -> Result<UploadState, StoreError> {
    let audience = tx.audience(row.conversation)?;
    if audience.party_of(row.user).is_none() {
        return Err(StoreError::NotFound);
    }
    tx.conn.execute(
        "INSERT INTO uploads (id, user_id, conversation_id, name, mime, kind, size, received,
             duration_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            row.id.0,
            row.user.0,
            row.conversation.0,
            row.name,
            row.mime,
            kind_str(row.kind),
            row.size as i64,
            row.received as i64,
            row.duration_ms,
            row.created_at,
        ],
    )?;
    Ok(row.state())
}

/// The caller's upload; `None` for an unknown id or someone else's.
pub fn upload(
    conn: &Connection,
    id: UploadId,
    user: UserId,
) -> Result<Option<UploadRow>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, user_id, conversation_id, name, mime, kind, size, received, duration_ms,
                 created_at
             FROM uploads WHERE id = ?1 AND user_id = ?2",
        )?
        .query_row(params![id.0, user.0], |r| {
            let kind: String = r.get(5)?;
            Ok(UploadRow {
                id: UploadId(r.get(0)?),
                user: UserId(r.get(1)?),
                conversation: ConversationId(r.get(2)?),
                name: r.get(3)?,
                mime: r.get(4)?,
                kind: kind_from(&kind).ok_or_else(|| corrupt("upload kind"))?,
                size: r.get::<_, i64>(6)? as u64,
                received: r.get::<_, i64>(7)? as u64,
                duration_ms: r.get(8)?,
                created_at: r.get(9)?,
            })
        })
        .optional()?)
}

/// Records how many bytes of an upload are stored.
pub fn set_received(conn: &Connection, id: UploadId, received: u64) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE uploads SET received = ?2 WHERE id = ?1",
        params![id.0, received as i64],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes an upload's row; answers whether there was one.
pub fn delete_upload(conn: &Connection, id: UploadId) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM uploads WHERE id = ?1", [id.0])? > 0)
}

/// Uploads announced before `cutoff` (ms since epoch).
pub fn uploads_before(conn: &Connection, cutoff: i64) -> Result<Vec<UploadId>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM uploads WHERE created_at < ?1")?;
    let ids = stmt
        .query_map([cutoff], |r| Ok(UploadId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Deletes these uploads' rows; answers how many there were.
pub fn delete_uploads(conn: &Connection, ids: &[UploadId]) -> Result<usize, StoreError> {
    let mut stmt = conn.prepare_cached("DELETE FROM uploads WHERE id = ?1")?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute([id.0])?;
    }
    Ok(n)
}

/// Every upload still in progress.
pub fn live_upload_ids(conn: &Connection) -> Result<HashSet<UploadId>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM uploads")?;
    let ids = stmt
        .query_map([], |r| Ok(UploadId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// The blobs of a stored attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Files {
    /// The original (for photos: re-encoded without metadata).
    pub original: BlobHash,
    /// Photos: the preview.
    pub preview: Option<BlobHash>,
    /// Photos: the thumbnail.
    pub thumb: Option<BlobHash>,
}

/// Turns a finished upload into an attachment: the upload row goes, the attachment row comes,
/// in one transaction. `NotFound` when the upload is gone or its owner can no longer write in
/// the conversation.
pub fn finish_upload(
    tx: &mut Tx<'_>,
    upload: &UploadRow,
    attachment: &Attachment,
    files: &Files,
) -> Result<(), StoreError> {
    let audience = tx.audience(upload.conversation)?;
    if audience.party_of(upload.user).is_none() || !delete_upload(tx.conn, upload.id)? {
        return Err(StoreError::NotFound);
    }
    tx.conn.execute(
        "INSERT INTO attachments (id, conversation_id, uploader_id, kind, name, mime, size, width,
             height, duration_ms, original_hash, preview_hash, thumb_hash, created_at, upload_id,
             upload_size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            attachment.id.0,
            upload.conversation.0,
            upload.user.0,
            kind_str(attachment.kind),
            attachment.name,
            attachment.mime,
            attachment.size as i64,
            attachment.width,
            attachment.height,
            attachment.duration_ms,
            files.original.to_hex(),
            files.preview.map(|h| h.to_hex()),
            files.thumb.map(|h| h.to_hex()),
            now_ms(),
            upload.id.0,
            upload.size as i64,
        ],
    )?;
    Ok(())
}

/// Columns [`attachment_from`] reads, for `attachments a`.
pub(crate) const ATTACHMENT_COLUMNS: &str =
    "a.id, a.kind, a.name, a.mime, a.size, a.width, a.height, a.duration_ms";

/// The attachment in [`ATTACHMENT_COLUMNS`] from column `first` on; `None` when its id is NULL
/// (a message without one, in a LEFT JOIN).
pub(crate) fn attachment_from(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<Attachment>> {
    let Some(id) = row.get::<_, Option<uuid::Uuid>>(first)? else {
        return Ok(None);
    };
    let kind: String = row.get(first + 1)?;
    Ok(Some(Attachment {
        id: AttachmentId(id),
        kind: kind_from(&kind).ok_or_else(|| corrupt("attachment kind"))?,
        name: row.get(first + 2)?,
        mime: row.get(first + 3)?,
        size: row.get::<_, i64>(first + 4)? as u64,
        width: row.get(first + 5)?,
        height: row.get(first + 6)?,
        duration_ms: row.get(first + 7)?,
    }))
}

/// The attachment already made from this upload of the user's (a repeated `complete`).
pub fn attachment_of_upload(
    conn: &Connection,
    upload: UploadId,
    user: UserId,
) -> Result<Option<Attachment>, StoreError> {
    let found = conn
        .query_row(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachments a
                 WHERE a.upload_id = ?1 AND a.uploader_id = ?2"
            ),
            params![upload.0, user.0],
            |r| attachment_from(r, 0),
        )
        .optional()?;
    Ok(found.flatten())
}

/// The state of an upload of the user's that became an attachment: everything received.
pub fn finished_upload_state(
    conn: &Connection,
    upload: UploadId,
    user: UserId,
) -> Result<Option<UploadState>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT upload_size FROM attachments WHERE upload_id = ?1 AND uploader_id = ?2",
            params![upload.0, user.0],
            |r| {
                let size = r.get::<_, i64>(0)? as u64;
                Ok(UploadState {
                    id: upload,
                    received: size,
                    size,
                })
            },
        )
        .optional()?)
}

/// A stored attachment with where it may be sent and where its files are.
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    /// As messages carry it.
    pub attachment: Attachment,
    /// The conversation it was uploaded to.
    pub conversation: ConversationId,
    /// Who uploaded it.
    pub uploader: UserId,
    /// Its blobs.
    pub files: Files,
}

fn hash_column(raw: Option<String>) -> rusqlite::Result<Option<BlobHash>> {
    raw.map(|h| BlobHash::from_hex(&h).ok_or_else(|| corrupt("blob hash")))
        .transpose()
}

/// An attachment by id, whoever asks (callers check access).
pub fn attachment(
    conn: &Connection,
    id: AttachmentId,
) -> Result<Option<StoredAttachment>, StoreError> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {ATTACHMENT_COLUMNS}, a.conversation_id, a.uploader_id, a.original_hash,
                 a.preview_hash, a.thumb_hash
             FROM attachments a WHERE a.id = ?1"
        ))?
        .query_row([id.0], |r| {
            let attachment = attachment_from(r, 0)?.ok_or_else(|| corrupt("attachment"))?;
            Ok(StoredAttachment {
                attachment,
                conversation: ConversationId(r.get(8)?),
                uploader: UserId(r.get(9)?),
                files: Files {
                    original: hash_column(Some(r.get(10)?))?.ok_or_else(|| corrupt("blob hash"))?,
                    preview: hash_column(r.get(11)?)?,
                    thumb: hash_column(r.get(12)?)?,
                },
            })
        })
        .optional()?;
    Ok(found)
}

/// An attachment `user` may download: they can read its conversation (a member, or on the
/// business's team). `None` for everyone else, exactly as for an unknown id.
pub fn attachment_for(
    conn: &Connection,
    id: AttachmentId,
    user: UserId,
) -> Result<Option<StoredAttachment>, StoreError> {
    let Some(found) = attachment(conn, id)? else {
        return Ok(None);
    };
    let audience = super::reads::audience(conn, found.conversation)?;
    Ok(audience.party_of(user).map(|_| found))
}

/// The attachment `sender` may put on a message in `conversation`: uploaded to that
/// conversation by the sender, or, in a business's conversation, by a teammate of the sender's.
pub fn sendable(
    conn: &Connection,
    audience: &Audience,
    sender: UserId,
    conversation: ConversationId,
    id: AttachmentId,
) -> Result<Attachment, StoreError> {
    let refused = || {
        StoreError::Invalid("That attachment cannot be sent here: upload it to this chat first.")
    };
    let found = attachment(conn, id)?.ok_or_else(refused)?;
    let own = found.uploader == sender;
    let teammate = audience.is_team(sender) && audience.is_team(found.uploader);
    if found.conversation != conversation || !(own || teammate) {
        return Err(refused());
    }
    Ok(found.attachment)
}
