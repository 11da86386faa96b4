//! The `messages` store: every message stored on this device, by `[conversation, seq]`.

use super::{
    BY_CONVERSATION_SEQ, CONVERSATIONS, ConversationRecord, Db, MESSAGES, OUTBOX, OutboxRecord,
    Result,
};
use indexed_db_futures::KeyRange;
use indexed_db_futures::cursor::CursorDirection;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use kontor_protocol::{ConversationId, Message, Seq};

/// A read of up to `limit` messages reserves room for at most this many up front: a caller's
/// generous limit must not allocate for messages that are not there.
const PREALLOCATE_AT_MOST: usize = 256;

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
        self.messages_up_to(id, None, limit, None).await
    }

    /// The newest `limit` messages with a sequence number up to `upto` (all when `None`), oldest
    /// first: one window of a long conversation. `newest`, the conversation's last sequence
    /// number as its record says, speeds up the window that ends at the newest message.
    pub async fn messages_up_to(
        &self,
        id: ConversationId,
        upto: Option<Seq>,
        limit: usize,
        newest: Option<Seq>,
    ) -> Result<Vec<Message>> {
        let tx = self.tx(&[MESSAGES], false)?;
        window_in(&tx, id, upto, limit, newest).await
    }

    /// What the message log shows of a conversation, read in one transaction (each transaction
    /// costs a round trip to the browser's database process): its record, the window of
    /// messages as [`Db::messages_up_to`] gives it, whether more are stored on either side, and
    /// its unsent messages.
    pub async fn conversation_window(
        &self,
        id: ConversationId,
        upto: Option<Seq>,
        limit: usize,
    ) -> Result<WindowRead> {
        let tx = self.tx(&[CONVERSATIONS, MESSAGES, OUTBOX], false)?;
        let conversation: Option<ConversationRecord> = tx
            .object_store(CONVERSATIONS)?
            .get(id.to_string())
            .serde()?
            .await?;
        let Some(record) = &conversation else {
            return Ok(WindowRead::default());
        };
        // One message more than shown says whether older ones are stored here.
        let mut messages = window_in(&tx, id, upto, limit + 1, Some(record.last_seq)).await?;
        let older_here = messages.len() > limit;
        if older_here {
            messages.remove(0);
        }
        let newer_here = match (upto, messages.last()) {
            (Some(_), Some(last)) => any_in(&tx, id, last.seq.0 + 1, u64::MAX).await?,
            _ => false,
        };
        let outbox = super::outbox::outbox_in(&tx, id).await?;
        Ok(WindowRead {
            conversation,
            messages,
            older_here,
            newer_here,
            outbox,
        })
    }

    /// How many messages of a conversation are stored here (walks the index: not for hot paths).
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

    /// Whether a message of the conversation older than `seq` is stored here.
    pub async fn has_older(&self, id: ConversationId, seq: Seq) -> Result<bool> {
        if seq.0 <= 1 {
            return Ok(false);
        }
        let tx = self.tx(&[MESSAGES], false)?;
        any_in(&tx, id, 0, seq.0 - 1).await
    }

    /// Whether a message of the conversation newer than `seq` is stored here.
    pub async fn has_newer(&self, id: ConversationId, seq: Seq) -> Result<bool> {
        let tx = self.tx(&[MESSAGES], false)?;
        any_in(&tx, id, seq.0 + 1, u64::MAX).await
    }
}

/// One window of a conversation's log: see [`Db::conversation_window`].
#[derive(Debug, Default)]
pub struct WindowRead {
    /// The conversation's record (`None`: not stored here; then everything else is empty).
    pub conversation: Option<ConversationRecord>,
    /// The window, oldest first.
    pub messages: Vec<Message>,
    /// Messages older than the window are stored here.
    pub older_here: bool,
    /// Messages newer than the window are stored here.
    pub newer_here: bool,
    /// Its unsent messages, oldest first.
    pub outbox: Vec<OutboxRecord>,
}

/// [`Db::messages_up_to`] inside a transaction that includes `messages`.
async fn window_in(
    tx: &Transaction<'_>,
    id: ConversationId,
    upto: Option<Seq>,
    limit: usize,
    newest: Option<Seq>,
) -> Result<Vec<Message>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let end = upto.map_or(u64::MAX, |s| s.0);
    let store = tx.object_store(MESSAGES)?;
    let index = store.index(BY_CONVERSATION_SEQ)?;
    // Sequence numbers are gap-free per conversation, so the window is usually exactly the
    // range of `limit` numbers ending at its last one: one request, where a cursor takes a
    // round trip to the database per message. Gaps (old messages evicted, history not
    // fetched) fall back to the cursor.
    if let Some(top) = upto.or(newest) {
        let from = top.0.saturating_sub(limit as u64 - 1).max(1);
        let mut found: Vec<Message> = index
            .get_all()
            .with_query(range(id, from, end))
            .serde()?
            .await?
            .collect::<std::result::Result<_, _>>()?;
        if found.len() >= limit || from == 1 {
            let extra = found.len().saturating_sub(limit);
            found.drain(..extra);
            return Ok(found);
        }
    }
    let cursor = index
        .open_cursor()
        .with_query(range(id, 0, end))
        .with_direction(CursorDirection::Prev)
        .serde()?
        .await?;
    let mut out = Vec::with_capacity(limit.min(PREALLOCATE_AT_MOST));
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

/// Whether a message of the conversation with a sequence number in `from..=to` is stored.
async fn any_in(tx: &Transaction<'_>, id: ConversationId, from: u64, to: u64) -> Result<bool> {
    let keys: Vec<String> = tx
        .object_store(MESSAGES)?
        .index(BY_CONVERSATION_SEQ)?
        .get_all_keys::<String>()
        .with_query(range(id, from, to))
        .with_limit(1)
        .serde()?
        .await?
        .collect::<std::result::Result<_, _>>()?;
    Ok(!keys.is_empty())
}

impl Db {
    /// Stores messages fetched from the server. Older ones change no counters; newer ones (a
    /// business conversation opened from the inbox, which this device never synced) advance the
    /// conversation's counters. Never the cursor: it counts only this user's own stream.
    /// An empty answer means the server has nothing for this account below the oldest message
    /// stored here (history is asked below it): that becomes the conversation's floor.
    pub async fn store_history(
        &self,
        conversation_id: ConversationId,
        messages: &[Message],
    ) -> Result<()> {
        let me = self.me();
        let tx = self.tx_from_server(&[MESSAGES, CONVERSATIONS])?;
        let store = tx.object_store(MESSAGES)?;
        for m in messages {
            super::issued(store.put(m).serde()?);
        }
        let conversations = tx.object_store(CONVERSATIONS)?;
        let rec: Option<super::ConversationRecord> = conversations
            .get(conversation_id.to_string())
            .serde()?
            .await?;
        if let Some(mut rec) = rec {
            let before_change = rec.clone();
            for m in messages {
                super::apply::count_message(&mut rec, m, me);
            }
            if messages.is_empty() {
                let first: Vec<Message> = store
                    .index(BY_CONVERSATION_SEQ)?
                    .get_all()
                    .with_query(range(conversation_id, 0, u64::MAX))
                    .with_limit(1)
                    .serde()?
                    .await?
                    .collect::<std::result::Result<_, _>>()?;
                if let Some(first) = first.first() {
                    rec.history_floor = rec.history_floor.max(first.seq);
                }
            }
            if rec != before_change {
                conversations.put(&rec).serde()?.await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Frees space: in every conversation, removes all but the newest `keep` messages from this
    /// device (they load again from the server on scrolling up). Unsent messages live in the
    /// outbox and are never touched. Returns how many messages were removed.
    pub async fn evict_old_messages(&self, keep: u64) -> Result<u32> {
        let conversations = self.conversations().await?;
        let tx = self.tx(&[MESSAGES], true)?;
        let store = tx.object_store(MESSAGES)?;
        let index = store.index(BY_CONVERSATION_SEQ)?;
        let mut removed = 0;
        for c in conversations.iter().filter(|c| c.last_seq.0 > keep) {
            let cut = c.last_seq.0 - keep;
            let ids: Vec<String> = index
                .get_all_keys::<String>()
                .with_query(range(c.id, 0, cut))
                .serde()?
                .await?
                .collect::<Result<_, _>>()?;
            for id in ids {
                store.delete(id).build()?.await?;
                removed += 1;
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Sequence number of the oldest message stored here, if any.
    pub async fn first_seq(&self, id: ConversationId) -> Result<Option<u64>> {
        let tx = self.tx(&[MESSAGES], false)?;
        let store = tx.object_store(MESSAGES)?;
        let first: Vec<Message> = store
            .index(BY_CONVERSATION_SEQ)?
            .get_all()
            .with_query(range(id, 0, u64::MAX))
            .with_limit(1)
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        Ok(first.first().map(|m| m.seq.0))
    }
}
