//! Uploads in progress and stored attachments. Files live in the blob store (see
//! [`crate::media`]); these rows say whose they are and where they may be sent.

use super::Sql;
use super::rows::{ATTACHMENT_COLUMNS, attachment_from, corrupt, kind_from, kind_str};
use crate::db::{DbResult, Files, StoredAttachment, UploadRow, Uploads};
use crate::media::storage::BlobHash;
use kontor_protocol::media::{Attachment, UploadState};
use kontor_protocol::{AttachmentId, BusinessId, ConversationId, UploadId, UserId};
use rusqlite::{OptionalExtension, params};
use std::collections::HashSet;

fn hash_column(raw: Option<String>) -> rusqlite::Result<Option<BlobHash>> {
    raw.map(|h| BlobHash::from_hex(&h).ok_or_else(|| corrupt("blob hash")))
        .transpose()
}

impl Uploads for Sql<'_> {
    fn insert_upload(&self, row: &UploadRow) -> DbResult<()> {
        self.0.execute(
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
        Ok(())
    }

    fn upload(&self, id: UploadId, user: UserId) -> DbResult<Option<UploadRow>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT id, user_id, conversation_id, name, mime, kind, size, received,
                     duration_ms, created_at
                 FROM uploads WHERE id = ?1 AND user_id = ?2",
            )?
            .query_row(params![id.0, user.0], |r| {
                Ok(UploadRow {
                    id: UploadId(r.get(0)?),
                    user: UserId(r.get(1)?),
                    conversation: ConversationId(r.get(2)?),
                    name: r.get(3)?,
                    mime: r.get(4)?,
                    kind: kind_from(&r.get::<_, String>(5)?)?,
                    size: r.get::<_, i64>(6)? as u64,
                    received: r.get::<_, i64>(7)? as u64,
                    duration_ms: r.get(8)?,
                    created_at: r.get(9)?,
                })
            })
            .optional()?)
    }

    fn set_received(&self, id: UploadId, received: u64) -> DbResult<bool> {
        let changed = self.0.execute(
            "UPDATE uploads SET received = ?2 WHERE id = ?1",
            params![id.0, received as i64],
        )?;
        Ok(changed > 0)
    }

    fn delete_upload(&self, id: UploadId) -> DbResult<bool> {
        Ok(self
            .0
            .execute("DELETE FROM uploads WHERE id = ?1", [id.0])?
            > 0)
    }

    fn uploads_before(&self, cutoff: i64) -> DbResult<Vec<UploadId>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT id FROM uploads WHERE created_at < ?1")?;
        let ids = stmt
            .query_map([cutoff], |r| Ok(UploadId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn delete_uploads(&self, ids: &[UploadId]) -> DbResult<usize> {
        let mut stmt = self.0.prepare_cached("DELETE FROM uploads WHERE id = ?1")?;
        let mut n = 0;
        for id in ids {
            n += stmt.execute([id.0])?;
        }
        Ok(n)
    }

    fn live_upload_ids(&self) -> DbResult<HashSet<UploadId>> {
        let mut stmt = self.0.prepare_cached("SELECT id FROM uploads")?;
        let ids = stmt
            .query_map([], |r| Ok(UploadId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn unsent_attachments_before(&self, cutoff: i64) -> DbResult<Vec<AttachmentId>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT a.id FROM attachments a WHERE a.created_at < ?1
               AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = a.id)",
        )?;
        let ids = stmt
            .query_map([cutoff], |r| Ok(AttachmentId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn delete_unsent_attachments(&self, ids: &[AttachmentId]) -> DbResult<Vec<BlobHash>> {
        let mut stmt = self.0.prepare_cached(
            "DELETE FROM attachments WHERE id = ?1
               AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = ?1)
             RETURNING original_hash, preview_hash, thumb_hash",
        )?;
        let mut files = Vec::new();
        for id in ids {
            let row: Option<(String, Option<String>, Option<String>)> = stmt
                .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            if let Some((original, preview, thumb)) = row {
                files.extend(hash_column(Some(original))?);
                files.extend(hash_column(preview)?);
                files.extend(hash_column(thumb)?);
            }
        }
        Ok(files)
    }

    fn blob_in_use(&self, hash: &BlobHash) -> DbResult<bool> {
        let hex = hash.to_hex();
        Ok(self
            .0
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM attachments WHERE original_hash = ?1)
                     OR EXISTS (SELECT 1 FROM attachments WHERE preview_hash = ?1)
                     OR EXISTS (SELECT 1 FROM attachments WHERE thumb_hash = ?1)",
            )?
            .query_row([hex], |r| r.get(0))?)
    }

    fn personal_bytes(&self, user: UserId) -> DbResult<u64> {
        let bytes: i64 = self
            .0
            .prepare_cached(
                "SELECT
                   (SELECT COALESCE(SUM(a.size), 0) FROM attachments a
                      JOIN conversations c ON c.id = a.conversation_id
                     WHERE a.uploader_id = ?1 AND NOT EXISTS (SELECT 1 FROM business_members m
                           WHERE m.business_id = c.business_id AND m.user_id = ?1))
                 + (SELECT COALESCE(SUM(u.size), 0) FROM uploads u
                      JOIN conversations c ON c.id = u.conversation_id
                     WHERE u.user_id = ?1 AND NOT EXISTS (SELECT 1 FROM business_members m
                           WHERE m.business_id = c.business_id AND m.user_id = ?1))",
            )?
            .query_row([user.0], |r| r.get(0))?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    fn business_bytes(&self, business: BusinessId) -> DbResult<u64> {
        let bytes: i64 = self
            .0
            .prepare_cached(
                "SELECT
                   (SELECT COALESCE(SUM(a.size), 0) FROM attachments a
                      JOIN conversations c ON c.id = a.conversation_id
                     WHERE c.business_id = ?1 AND EXISTS (SELECT 1 FROM business_members m
                           WHERE m.business_id = ?1 AND m.user_id = a.uploader_id))
                 + (SELECT COALESCE(SUM(u.size), 0) FROM uploads u
                      JOIN conversations c ON c.id = u.conversation_id
                     WHERE c.business_id = ?1 AND EXISTS (SELECT 1 FROM business_members m
                           WHERE m.business_id = ?1 AND m.user_id = u.user_id))",
            )?
            .query_row([business.0], |r| r.get(0))?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    fn insert_attachment(
        &self,
        upload: &UploadRow,
        attachment: &Attachment,
        files: &Files,
        at: i64,
    ) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO attachments (id, conversation_id, uploader_id, kind, name, mime, size,
                 width, height, duration_ms, original_hash, preview_hash, thumb_hash, created_at,
                 upload_id, upload_size)
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
                at,
                upload.id.0,
                upload.size as i64,
            ],
        )?;
        Ok(())
    }

    fn attachment_of_upload(&self, upload: UploadId, user: UserId) -> DbResult<Option<Attachment>> {
        let found = self
            .0
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

    fn finished_upload_state(
        &self,
        upload: UploadId,
        user: UserId,
    ) -> DbResult<Option<UploadState>> {
        Ok(self
            .0
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

    fn attachment(&self, id: AttachmentId) -> DbResult<Option<StoredAttachment>> {
        Ok(self
            .0
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
                        original: hash_column(Some(r.get(10)?))?
                            .ok_or_else(|| corrupt("blob hash"))?,
                        preview: hash_column(r.get(11)?)?,
                        thumb: hash_column(r.get(12)?)?,
                    },
                })
            })
            .optional()?)
    }
}
