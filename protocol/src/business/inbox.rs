//! The shared inbox (statuses, views, items, notes, the customer panel) and the statistics.

use crate::{BusinessId, ConversationId, LabelId, NoteId, Seq, Timestamp, User, UserId};
use serde::{Deserialize, Serialize};

/// The team-side state of a customer conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// Waiting for the team.
    Open,
    /// Waiting for the customer or a third party.
    Pending,
    /// Done.
    Resolved,
    /// Hidden until a time or the customer's next message.
    Snoozed,
}

impl InboxStatus {
    /// Every status, in the order a filter lists them.
    pub const ALL: [InboxStatus; 4] = [
        InboxStatus::Open,
        InboxStatus::Pending,
        InboxStatus::Resolved,
        InboxStatus::Snoozed,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::Open => "open",
            InboxStatus::Pending => "pending",
            InboxStatus::Resolved => "resolved",
            InboxStatus::Snoozed => "snoozed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            InboxStatus::Open => "Open",
            InboxStatus::Pending => "Pending",
            InboxStatus::Resolved => "Resolved",
            InboxStatus::Snoozed => "Snoozed",
        }
    }
}

/// Which conversations an inbox view holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxView {
    /// Nobody holds them.
    #[default]
    Unassigned,
    /// Assigned to the caller.
    Mine,
    /// Every conversation.
    All,
}

/// An inbox query: a view, optionally narrowed by status and label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxFilter {
    /// Unassigned, mine or all.
    pub view: InboxView,
    /// Only this status.
    #[serde(default)]
    pub status: Option<InboxStatus>,
    /// Only conversations with this label.
    #[serde(default)]
    pub label: Option<LabelId>,
}

/// Where the next inbox page starts (newest activity first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCursor {
    /// Activity time of the last item of the previous page.
    pub last_activity: Timestamp,
    /// Its conversation, to break ties.
    pub conversation_id: ConversationId,
}

/// Until when a conversation sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "until", rename_all = "snake_case")]
pub enum Snooze {
    /// A moment; it reopens then (or earlier, when the customer writes).
    Time {
        /// When.
        at: Timestamp,
    },
    /// The customer's next message.
    NextMessage,
}

/// One conversation in a business inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Whose inbox.
    pub business: BusinessId,
    /// The customer.
    pub customer: User,
    /// Team-side state.
    pub status: InboxStatus,
    /// Set while snoozed.
    #[serde(default)]
    pub snooze: Option<Snooze>,
    /// Who holds it.
    #[serde(default)]
    pub assignee: Option<User>,
    /// Labels on it.
    #[serde(default)]
    pub labels: Vec<LabelId>,
    /// Time of the newest message.
    pub last_activity: Timestamp,
    /// Newest message's sequence number.
    pub last_seq: Seq,
    /// Start of the newest message's text.
    #[serde(default)]
    pub preview: String,
    /// Customer messages the team has not read yet.
    pub unread: u32,
    /// When the customer first wrote.
    pub first_contact: Timestamp,
}

/// Sizes of the three views (under the active status and label filters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCounts {
    /// Nobody holds them.
    pub unassigned: u32,
    /// Assigned to the caller.
    pub mine: u32,
    /// Everything.
    pub all: u32,
}

/// A private note: the team sees it, the customer never does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Named by the writing client.
    pub id: NoteId,
    /// On which conversation.
    pub conversation_id: ConversationId,
    /// Who wrote it.
    pub author: User,
    /// The text.
    pub body: String,
    /// Teammates mentioned with `@handle`.
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// What a teammate is doing in a conversation right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Has it open.
    Viewing,
    /// Is writing a reply.
    Typing,
    /// Closed it.
    Left,
}

/// One episode of a customer's contact: from opening to resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it was resolved (none while open).
    pub resolved_at: Option<Timestamp>,
    /// Customer messages in it.
    pub messages: u32,
}

/// What the team knows about a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPanel {
    /// The customer.
    pub customer: User,
    /// Their first message to the business.
    pub first_contact: Timestamp,
    /// Labels on the conversation.
    pub labels: Vec<LabelId>,
    /// Earlier contacts, newest first.
    pub episodes: Vec<Episode>,
}

/// One day of a business's statistics (days in the business's time zone).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Messages the business sent (agents and automatic replies).
    pub sent: u32,
    /// Of those, delivered to the customer.
    pub delivered: u32,
    /// Of those, read by the customer.
    pub read: u32,
    /// Messages customers sent.
    pub received: u32,
    /// Conversations opened (first contact or reopened).
    pub opened: u32,
    /// Conversations resolved.
    pub resolved: u32,
    /// Median time from a customer's opening message to the first answer by an agent.
    pub median_first_response_ms: Option<u64>,
}

/// `GET /api/businesses/{handle}/stats?days=N`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessStats {
    /// Oldest day first.
    pub days: Vec<DayStats>,
}
