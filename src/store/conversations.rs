//! The `conversations` store: one record per chat, with what the chat list shows.

use super::{CONVERSATIONS, Db, MESSAGES, Result};
use indexed_db_futures::prelude::*;
use kontor_protocol::text::{preview, preview_of};
use kontor_protocol::{Conversation, ConversationId, Member, Message, Seq, UserId};
use serde::{Deserialize, Serialize};

/// The newest message, as the chat list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// Start of the text.
    pub text: String,
    /// Written by this user.
    pub from_me: bool,
}

impl Preview {
    /// A preview of `body` (the protocol's rule: one line, at most
    /// [`kontor_protocol::text::PREVIEW_CHARS`] characters).
    pub fn of(body: &str, from_me: bool) -> Self {
        Self {
            text: preview_of(body),
            from_me,
        }
    }

    /// A preview of a stored message: its text, or what it carries when it has no text.
    pub fn of_message(message: &Message, from_me: bool) -> Self {
        Self {
            text: preview(message),
            from_me,
        }
    }
}

/// A conversation as this device knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Id.
    pub id: ConversationId,
    /// Name shown: the other person's display name.
    pub title: String,
    /// The other person's handle.
    pub peer_handle: String,
    /// Everybody, with their delivered/read marks as the server last said.
    pub members: Vec<Member>,
    /// Newest sequence number stored here.
    pub last_seq: Seq,
    /// How far this user has read, on any device.
    pub read_seq: Seq,
    /// Messages from others after `read_seq`.
    pub unread: u32,
    /// Time of the newest activity, ms since epoch: orders the chat list.
    pub last_activity: f64,
    /// The newest message.
    pub preview: Option<Preview>,
    /// The business this user answers for in this conversation, when they are on its team
    /// rather than a member (such conversations live in the business inbox, not the chat list).
    #[serde(default)]
    pub acting_as: Option<UserId>,
    /// The other party is a business the server operator verified.
    #[serde(default)]
    pub verified: bool,
    /// The other party's logo (businesses).
    #[serde(default)]
    pub logo: Option<String>,
    /// The server has nothing for this account below this sequence number (it answered an
    /// empty history there): earlier numbers were withheld, not lost.
    #[serde(default)]
    pub history_floor: Seq,
}

impl ConversationRecord {
    /// A new record from the server's snapshot.
    pub fn from_snapshot(conversation: &Conversation, me: UserId) -> Self {
        let mut rec = Self {
            id: conversation.id,
            title: String::new(),
            peer_handle: String::new(),
            members: Vec::new(),
            last_seq: Seq(0),
            read_seq: Seq(0),
            unread: 0,
            last_activity: conversation.created_at.0 as f64,
            preview: None,
            acting_as: None,
            verified: false,
            logo: None,
            history_floor: Seq(0),
        };
        rec.merge_snapshot(conversation, me);
        rec
    }

    /// Takes members and marks from a newer server snapshot; keeps local counters.
    pub fn merge_snapshot(&mut self, conversation: &Conversation, me: UserId) {
        self.members = conversation.members.clone();
        // Not a member: on the business's team, answering as the business.
        let party = conversation.party_of(me);
        self.acting_as = (party != me).then_some(party);
        let side = self.side(me);
        let peer = conversation
            .members
            .iter()
            .find(|m| m.user.id != side)
            .or(conversation.members.first());
        if let Some(peer) = peer {
            self.title = peer.user.display_name.clone();
            self.peer_handle = peer.user.handle.to_string();
            self.verified = peer.user.is_verified_business();
            self.logo = peer.user.business.as_ref().and_then(|b| b.logo.clone());
        }
        if let Some(mine) = self.member(side) {
            self.read_seq = self.read_seq.max(mine.read);
        }
    }

    /// The party this user writes as here: themselves, or the business they answer for.
    pub fn side(&self, me: UserId) -> UserId {
        self.acting_as.unwrap_or(me)
    }

    /// Whether this conversation belongs in the personal chat list (not a business inbox).
    pub fn is_personal(&self) -> bool {
        self.acting_as.is_none()
    }

    /// A member's entry.
    pub fn member(&self, user: UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user.id == user)
    }

    /// The other person's entry (direct chats).
    pub fn peer(&self, me: UserId) -> Option<&Member> {
        self.members.iter().find(|m| m.user.id != me)
    }
}

impl Db {
    /// Every conversation, most recent activity first.
    pub async fn conversations(&self) -> Result<Vec<ConversationRecord>> {
        let tx = self.tx(&[CONVERSATIONS], false)?;
        let mut all: Vec<ConversationRecord> = tx
            .object_store(CONVERSATIONS)?
            .get_all()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        all.sort_by(|a, b| b.last_activity.total_cmp(&a.last_activity));
        Ok(all)
    }

    /// One conversation.
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<ConversationRecord>> {
        let tx = self.tx(&[CONVERSATIONS], false)?;
        Ok(tx
            .object_store(CONVERSATIONS)?
            .get(id.to_string())
            .serde()?
            .await?)
    }

    /// Marks everything in the conversation read; returns the new read mark if it moved.
    pub async fn mark_read(&self, id: ConversationId) -> Result<Option<Seq>> {
        let tx = self.tx(&[CONVERSATIONS], true)?;
        let store = tx.object_store(CONVERSATIONS)?;
        let Some(mut rec): Option<ConversationRecord> = store.get(id.to_string()).serde()?.await?
        else {
            return Ok(None);
        };
        if rec.read_seq >= rec.last_seq && rec.unread == 0 {
            return Ok(None);
        }
        rec.read_seq = rec.read_seq.max(rec.last_seq);
        rec.unread = 0;
        store.put(&rec).serde()?.await?;
        tx.commit().await?;
        Ok(Some(rec.read_seq))
    }

    /// Receipts this device owes the server: marks it has locally that the server has not
    /// confirmed (lost when a connection dropped). Sent after each catch-up.
    pub async fn unreported_receipts(&self) -> Result<Vec<(ConversationId, Seq, Seq)>> {
        let me = self.me();
        Ok(self
            .conversations()
            .await?
            .into_iter()
            .filter_map(|rec| {
                let mine = rec.member(rec.side(me))?;
                let delivered = (rec.last_seq > mine.delivered).then_some(rec.last_seq);
                let read = (rec.read_seq > mine.read).then_some(rec.read_seq);
                (delivered.is_some() || read.is_some())
                    .then(|| (rec.id, delivered.unwrap_or(Seq(0)), read.unwrap_or(Seq(0))))
            })
            .collect())
    }
}

/// Counts messages from others after `rec.read_seq`, inside a transaction over `messages`.
pub(crate) async fn recount_unread(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    rec: &mut ConversationRecord,
    me: UserId,
) -> Result<()> {
    let after = super::messages::range(rec.id, rec.read_seq.0 + 1, u64::MAX);
    let later: Vec<kontor_protocol::Message> = tx
        .object_store(MESSAGES)?
        .index(super::BY_CONVERSATION_SEQ)?
        .get_all()
        .with_query(after)
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    let side = rec.side(me);
    rec.unread = later.iter().filter(|m| m.sender != side).count() as u32;
    Ok(())
}
