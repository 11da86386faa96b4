//! The `outbox` store: messages written on this device and not yet acknowledged by the server.
//! An entry leaves only when the server's ack (or the stored message itself) arrives.

use super::conversations::{ConversationRecord, Preview};
use super::{BY_CONVERSATION, CONVERSATIONS, Db, OUTBOX, Result, UPLOAD_BLOBS};
use indexed_db_futures::KeyRange;
use indexed_db_futures::prelude::*;
use kontor_protocol::media::{Attachment, AttachmentKind};
use kontor_protocol::{ConversationId, MessageId, UploadId};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

/// The file of a message that goes out once it is uploaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingUpload {
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// File name.
    pub name: String,
    /// Media type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// Voice notes: length.
    pub duration_ms: Option<u32>,
    /// The server's upload, once announced.
    pub upload_id: Option<UploadId>,
    /// Bytes the server has.
    pub received: u64,
    /// Set when the upload completed: the message can go out.
    pub attachment: Option<Attachment>,
}

impl PendingUpload {
    /// What the chat list says for it.
    pub fn summary(&self) -> String {
        self.kind.summary(&self.name)
    }
}

/// A message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord {
    /// Client-generated id (UUID v7: keys sort in writing order).
    pub id: MessageId,
    /// Target.
    pub conversation_id: ConversationId,
    /// Text.
    pub body: String,
    /// When it was written, ms since epoch.
    pub queued_at: f64,
    /// Why the server refused it, if it did (shown with a retry button).
    pub failed: Option<String>,
    /// A file that goes with it (the message waits until it is uploaded).
    #[serde(default)]
    pub upload: Option<PendingUpload>,
}

impl OutboxRecord {
    /// Ready to send: no file, or its upload is complete.
    pub fn ready(&self) -> bool {
        self.upload.as_ref().is_none_or(|u| u.attachment.is_some())
    }

    /// The frame that sends it.
    pub fn frame(&self) -> kontor_protocol::ClientFrame {
        kontor_protocol::ClientFrame::Send {
            id: self.id,
            conversation_id: self.conversation_id,
            body: self.body.clone(),
            attachment: self
                .upload
                .as_ref()
                .and_then(|u| u.attachment.as_ref())
                .map(|a| a.id),
        }
    }
}

impl Db {
    /// Writes a new message to the outbox and shows it in the chat list, in one transaction.
    pub async fn queue_message(&self, rec: &OutboxRecord) -> Result<()> {
        let tx = self.tx(&[OUTBOX, CONVERSATIONS], true)?;
        tx.object_store(OUTBOX)?.put(rec).serde()?.await?;
        let conversations = tx.object_store(CONVERSATIONS)?;
        let conversation: Option<ConversationRecord> = conversations
            .get(rec.conversation_id.to_string())
            .serde()?
            .await?;
        if let Some(mut conversation) = conversation {
            conversation.last_activity = conversation.last_activity.max(rec.queued_at);
            let text = match (&rec.upload, rec.body.trim().is_empty()) {
                (Some(upload), true) => upload.summary(),
                _ => rec.body.clone(),
            };
            conversation.preview = Some(Preview::of(&text, true));
            conversations.put(&conversation).serde()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every message waiting to be sent, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxRecord>> {
        let tx = self.tx(&[OUTBOX], false)?;
        Ok(tx
            .object_store(OUTBOX)?
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?)
    }

    /// The messages of one conversation waiting to be sent, oldest first.
    pub async fn outbox_for(&self, id: ConversationId) -> Result<Vec<OutboxRecord>> {
        let tx = self.tx(&[OUTBOX], false)?;
        outbox_in(&tx, id).await
    }

    /// Records the server's refusal (`Some`) or clears it for a retry (`None`).
    pub async fn set_failed(&self, id: MessageId, reason: Option<String>) -> Result<()> {
        let tx = self.tx(&[OUTBOX], true)?;
        let store = tx.object_store(OUTBOX)?;
        let rec: Option<OutboxRecord> = store.get(id.to_string()).serde()?.await?;
        if let Some(mut rec) = rec {
            rec.failed = reason;
            store.put(&rec).serde()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes a message from the outbox without sending it (the user deleted a failed one, or
    /// cancelled an upload), with its file.
    pub async fn discard(&self, id: MessageId) -> Result<()> {
        let tx = self.tx(&[OUTBOX, UPLOAD_BLOBS], true)?;
        tx.object_store(OUTBOX)?
            .delete(id.to_string())
            .build()?
            .await?;
        tx.object_store(UPLOAD_BLOBS)?
            .delete(id.to_string())
            .build()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a message with a file: the outbox entry and the file, in one transaction.
    pub async fn queue_upload(&self, rec: &OutboxRecord, file: &web_sys::Blob) -> Result<()> {
        {
            let tx = self.tx(&[UPLOAD_BLOBS], true)?;
            let value: &js_sys::Object = file.unchecked_ref();
            tx.object_store(UPLOAD_BLOBS)?
                .put(value)
                .with_key(rec.id.to_string())
                .build()?
                .await?;
            tx.commit().await?;
        }
        // The outbox entry goes second: an entry never points at a file that is not stored.
        self.queue_message(rec).await
    }

    /// The file of an unfinished upload.
    pub async fn upload_blob(&self, id: MessageId) -> Result<Option<web_sys::Blob>> {
        let tx = self.tx(&[UPLOAD_BLOBS], false)?;
        let value: Option<js_sys::Object> = tx
            .object_store(UPLOAD_BLOBS)?
            .get(id.to_string())
            .primitive()?
            .await?;
        Ok(value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()))
    }

    /// Records upload progress (or completion) of an outbox entry.
    pub async fn update_upload(
        &self,
        id: MessageId,
        change: impl FnOnce(&mut PendingUpload),
    ) -> Result<Option<OutboxRecord>> {
        let tx = self.tx(&[OUTBOX], true)?;
        let store = tx.object_store(OUTBOX)?;
        let rec: Option<OutboxRecord> = store.get(id.to_string()).serde()?.await?;
        let Some(mut rec) = rec else {
            return Ok(None);
        };
        if let Some(upload) = rec.upload.as_mut() {
            change(upload);
        }
        store.put(&rec).serde()?.await?;
        tx.commit().await?;
        Ok(Some(rec))
    }
}

/// [`Db::outbox_for`] inside a transaction that includes `outbox`.
pub(super) async fn outbox_in(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    id: ConversationId,
) -> Result<Vec<OutboxRecord>> {
    let mut list: Vec<OutboxRecord> = tx
        .object_store(OUTBOX)?
        .index(BY_CONVERSATION)?
        .get_all()
        .with_query::<String, _>(KeyRange::Only(id.to_string()))
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    list.sort_by_key(|r| r.id);
    Ok(list)
}
