//! The `outbox` store: messages written on this device and not yet acknowledged by the server.
//! An entry leaves only when the server's ack (or the stored message itself) arrives.

use super::conversations::{ConversationRecord, Preview};
use super::{BY_CONVERSATION, CONVERSATIONS, Db, OUTBOX, Result};
use indexed_db_futures::KeyRange;
use indexed_db_futures::prelude::*;
use kontor_protocol::{ConversationId, MessageId};
use serde::{Deserialize, Serialize};

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
            conversation.preview = Some(Preview::of(&rec.body, true));
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

    /// Removes a message from the outbox without sending it (the user deleted a failed one).
    pub async fn discard(&self, id: MessageId) -> Result<()> {
        let tx = self.tx(&[OUTBOX], true)?;
        tx.object_store(OUTBOX)?
            .delete(id.to_string())
            .build()?
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
