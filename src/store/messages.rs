//! The `messages` store: every message stored on this device, by `[conversation, seq]`.

use super::{BY_CONVERSATION_SEQ, Db, MESSAGES, Result};
use indexed_db_futures::KeyRange;
use indexed_db_futures::cursor::CursorDirection;
use indexed_db_futures::prelude::*;
use kontor_protocol::{ConversationId, Message};

/// Key range over a conversation's sequence numbers `from..=to`.
///
/// Keys are `[conversation id string, seq number]`; f64 keeps seq a JS Number (a u64 would be a
/// BigInt, which is not a valid IndexedDB key).
pub(crate) fn range(id: ConversationId, from: u64, to: u64) -> KeyRange<(String, f64)> {
    let to = if to == u64::MAX {
        f64::INFINITY
    } else {
        to as f64
    };
    KeyRange::Bound(
        (id.to_string(), from as f64),
        false,
        (id.to_string(), to),
        false,
    )
}

impl Db {
    /// The newest `limit` messages of a conversation, oldest first.
    pub async fn latest_messages(&self, id: ConversationId, limit: usize) -> Result<Vec<Message>> {
        let tx = self.tx(&[MESSAGES], false)?;
        let store = tx.object_store(MESSAGES)?;
        let index = store.index(BY_CONVERSATION_SEQ)?;
        let cursor = index
            .open_cursor()
            .with_query(range(id, 0, u64::MAX))
            .with_direction(CursorDirection::Prev)
            .serde()?
            .await?;
        let mut out = Vec::with_capacity(limit.min(256));
        if let Some(mut cursor) = cursor {
            while out.len() < limit {
                match cursor.next_record_ser::<Message>().await? {
                    Some(m) => out.push(m),
                    None => break,
                }
            }
        }
        out.reverse();
        Ok(out)
    }

    /// How many messages of a conversation are stored here.
    pub async fn message_count(&self, id: ConversationId) -> Result<u32> {
        let tx = self.tx(&[MESSAGES], false)?;
        let store = tx.object_store(MESSAGES)?;
        let index = store.index(BY_CONVERSATION_SEQ)?;
        Ok(index
            .count()
            .with_query(range(id, 0, u64::MAX))
            .serde()?
            .await?)
    }
}
