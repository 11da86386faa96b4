//! Applying the server's events. Each call is one transaction that also moves the resume cursor,
//! and each is idempotent: the same event applied twice changes nothing the second time.

use super::conversations::{ConversationRecord, Preview, recount_unread};
use super::outbox::OutboxRecord;
use super::{
    CONVERSATIONS, Db, MESSAGES, META, OUTBOX, Result, UPLOAD_BLOBS, advance_cursor, issued,
};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use kontor_protocol::{
    AgentSignature, Conversation, ConversationId, Message, MessageId, Pos, Seq, Timestamp, UserId,
};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use wasm_bindgen::JsValue;

/// Messages from the server together with the JavaScript objects `JSON.parse` made of them.
/// Those objects are what IndexedDB stores (the same serde shape as [`Message`]), so a flood of
/// messages is not encoded back into JavaScript objects one by one after being read from them.
#[derive(Debug, Default)]
pub struct Received {
    messages: Vec<Message>,
    /// One per message, or none (messages made here, as in tests: encoded when stored).
    objects: Vec<JsValue>,
}

impl Received {
    /// Reads a `messages` array as parsed from the server's JSON.
    pub fn from_array(array: js_sys::Array) -> Result<Self, crate::json::JsonError> {
        let objects: Vec<JsValue> = array.iter().collect();
        let messages = objects
            .iter()
            .map(|o| crate::json::from_value(o.clone()))
            .collect::<Result<_, _>>()?;
        Ok(Self { messages, objects })
    }

    /// The messages, in arrival order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Appends a later batch.
    pub fn append(&mut self, mut more: Received) {
        if self.objects.len() == self.messages.len() && more.objects.len() == more.messages.len() {
            self.objects.append(&mut more.objects);
        } else {
            self.objects.clear();
        }
        self.messages.append(&mut more.messages);
    }
}

impl From<Vec<Message>> for Received {
    fn from(messages: Vec<Message>) -> Self {
        Self {
            messages,
            objects: Vec::new(),
        }
    }
}

/// Folds a stored message into its conversation's counters; true when it is new from someone else.
pub(super) fn count_message(rec: &mut ConversationRecord, m: &Message, me: UserId) -> bool {
    if m.seq <= rec.last_seq {
        return false;
    }
    let side = rec.side(me);
    rec.last_seq = m.seq;
    rec.last_activity = rec.last_activity.max(m.sent_at.0 as f64);
    rec.preview = Some(Preview::of_message(m, m.sender == side));
    if m.sender != side && m.seq > rec.read_seq {
        rec.unread += 1;
        return true;
    }
    false
}

async fn load_conversation(
    tx: &Transaction<'_>,
    id: ConversationId,
) -> Result<Option<ConversationRecord>> {
    Ok(tx
        .object_store(CONVERSATIONS)?
        .get(id.to_string())
        .serde()?
        .await?)
}

/// A member's delivered/read marks as a receipt event carries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptMark {
    /// Which conversation.
    pub conversation_id: ConversationId,
    /// Whose marks.
    pub user: UserId,
    /// Delivered up to this sequence number.
    pub delivered: Seq,
    /// Read up to this sequence number.
    pub read: Seq,
    /// The event's position in this user's stream.
    pub pos: Pos,
}

impl Db {
    /// A conversation snapshot (new chat, or changed receipts during catch-up).
    pub async fn apply_conversation(&self, conversation: &Conversation, pos: Pos) -> Result<()> {
        self.apply_conversations(&[(conversation.clone(), pos)])
            .await
    }

    /// Conversation snapshots, in one transaction.
    pub async fn apply_conversations(&self, batch: &[(Conversation, Pos)]) -> Result<()> {
        let me = self.me();
        let tx = self.tx_from_server(&[CONVERSATIONS, MESSAGES, META])?;
        let mut highest = Pos(0);
        for (conversation, pos) in batch {
            let rec = match load_conversation(&tx, conversation.id).await? {
                Some(mut rec) => {
                    let read_before = rec.read_seq;
                    rec.merge_snapshot(conversation, me);
                    if rec.read_seq != read_before {
                        recount_unread(&tx, &mut rec, me).await?;
                    }
                    rec
                }
                None => ConversationRecord::from_snapshot(conversation, me),
            };
            issued(tx.object_store(CONVERSATIONS)?.put(&rec).serde()?);
            highest = highest.max(*pos);
        }
        advance_cursor(&tx, highest).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Messages from the server (catch-up pages or live). Returns, per conversation, the newest
    /// sequence number received from someone else, for delivery receipts.
    pub async fn apply_messages(
        &self,
        messages: &[Message],
    ) -> Result<BTreeMap<ConversationId, Seq>> {
        self.apply_messages_as(messages, &[]).await
    }

    /// [`Db::apply_messages`] for messages as they arrived, stored as the objects they were read
    /// from.
    pub async fn apply_received(
        &self,
        received: &Received,
    ) -> Result<BTreeMap<ConversationId, Seq>> {
        self.apply_messages_as(&received.messages, &received.objects)
            .await
    }

    /// `objects` holds each message as a JavaScript object, or is empty.
    async fn apply_messages_as(
        &self,
        messages: &[Message],
        objects: &[JsValue],
    ) -> Result<BTreeMap<ConversationId, Seq>> {
        let me = self.me();
        let tx = self.tx_from_server(&[CONVERSATIONS, MESSAGES, OUTBOX, META])?;
        let store = tx.object_store(MESSAGES)?;
        let outbox = tx.object_store(OUTBOX)?;
        let mut touched: BTreeMap<ConversationId, ConversationRecord> = BTreeMap::new();
        let mut fresh = BTreeMap::new();
        for (i, m) in messages.iter().enumerate() {
            match objects.get(i) {
                Some(object) => issued(store.put(object).primitive()?),
                None => issued(store.put(m).serde()?),
            }
            if m.sender == me || m.agent.as_ref().and_then(|a| a.id) == Some(me) {
                // Sent from here (ack lost) or from another device: either way it is out.
                issued(outbox.delete(m.id.to_string()).build()?);
            }
            if let Entry::Vacant(slot) = touched.entry(m.conversation_id) {
                let Some(rec) = load_conversation(&tx, m.conversation_id).await? else {
                    continue; // Conversations are always sent before their messages.
                };
                slot.insert(rec);
            }
            if let Some(rec) = touched.get_mut(&m.conversation_id)
                && count_message(rec, m, me)
            {
                fresh.insert(m.conversation_id, m.seq);
            }
        }
        let conversations = tx.object_store(CONVERSATIONS)?;
        for rec in touched.values() {
            issued(conversations.put(rec).serde()?);
        }
        if let Some(last) = messages.last() {
            advance_cursor(&tx, last.pos).await?;
        }
        tx.commit().await?;
        Ok(fresh)
    }

    /// The server stored a message from this device: it moves from the outbox to the messages.
    pub async fn apply_ack(
        &self,
        id: MessageId,
        seq: Seq,
        pos: Pos,
        sent_at: Timestamp,
    ) -> Result<()> {
        let me = self.me();
        let tx = self.tx(&[CONVERSATIONS, MESSAGES, OUTBOX, META, UPLOAD_BLOBS], true)?;
        let outbox = tx.object_store(OUTBOX)?;
        let pending: Option<OutboxRecord> = outbox.get(id.to_string()).serde()?.await?;
        // Sent: its file lives on the server now.
        tx.object_store(UPLOAD_BLOBS)?
            .delete(id.to_string())
            .build()?
            .await?;
        if let Some(pending) = pending {
            let rec = load_conversation(&tx, pending.conversation_id).await?;
            // On a business's team the message is the business's, signed by this agent.
            let acting_as = rec.as_ref().and_then(|r| r.acting_as);
            let message = Message {
                id,
                conversation_id: pending.conversation_id,
                seq,
                pos,
                sender: acting_as.unwrap_or(me),
                body: pending.body,
                sent_at,
                agent: acting_as.map(|_| AgentSignature {
                    id: Some(me),
                    name: String::new(),
                }),
                attachment: pending.upload.and_then(|u| u.attachment),
            };
            tx.object_store(MESSAGES)?.put(&message).serde()?.await?;
            outbox.delete(id.to_string()).build()?.await?;
            if let Some(mut rec) = rec {
                count_message(&mut rec, &message, me);
                tx.object_store(CONVERSATIONS)?.put(&rec).serde()?.await?;
            }
        }
        advance_cursor(&tx, pos).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Members' delivered/read marks moved, in one transaction.
    pub async fn apply_receipts(&self, marks: &[ReceiptMark]) -> Result<()> {
        let me = self.me();
        let tx = self.tx_from_server(&[CONVERSATIONS, MESSAGES, META])?;
        let mut touched: BTreeMap<ConversationId, ConversationRecord> = BTreeMap::new();
        let mut highest = Pos(0);
        for mark in marks {
            highest = highest.max(mark.pos);
            let rec = match touched.entry(mark.conversation_id) {
                Entry::Occupied(slot) => slot.into_mut(),
                Entry::Vacant(slot) => match load_conversation(&tx, mark.conversation_id).await? {
                    Some(rec) => slot.insert(rec),
                    None => continue,
                },
            };
            if let Some(member) = rec.members.iter_mut().find(|m| m.user.id == mark.user) {
                member.delivered = member.delivered.max(mark.delivered);
                member.read = member.read.max(mark.read);
            }
            if mark.user == rec.side(me) && mark.read > rec.read_seq {
                // Read on another device.
                rec.read_seq = mark.read;
                recount_unread(&tx, rec, me).await?;
            }
        }
        let conversations = tx.object_store(CONVERSATIONS)?;
        for rec in touched.values() {
            issued(conversations.put(rec).serde()?);
        }
        advance_cursor(&tx, highest).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Catch-up finished up to `pos`.
    pub async fn set_cursor(&self, pos: Pos) -> Result<()> {
        let tx = self.tx_from_server(&[META])?;
        advance_cursor(&tx, pos).await?;
        tx.commit().await?;
        Ok(())
    }
}
