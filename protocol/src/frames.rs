//! Frames exchanged over the WebSocket, as JSON text named by their variant:
//! `{"send":{"id":…,"conversation_id":…,"body":…}}`.
//!
//! Externally tagged rather than `{"type":"send",…}`: serde reads an internally tagged enum by
//! buffering the whole frame before it knows the variant, which costs every decode a copy and
//! the browser bundle that buffering code for every payload type (measured: 10.4 KB of the
//! messenger's 357.5 KB brotli wasm).
//!
//! A session: the client's first frame is [`ClientFrame::Hello`] with its token and resume cursor;
//! the server answers [`ServerFrame::Ready`], sends everything after the cursor (conversations
//! first, then messages in order) and [`ServerFrame::SyncDone`]; from then on both sides stream.
//!
//! Over 500 lines on purpose: every frame in one pair of enums, documented field by field.

use crate::business::{
    Activity, CustomerPanel, InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, Note,
    Snooze,
};
use crate::{
    BusinessId, Conversation, ConversationId, LabelId, Message, MessageId, NoteId, Pos, RequestId,
    Seq, SessionToken, Timestamp, User, UserId,
};
use serde::{Deserialize, Serialize};

/// Which receipt a client reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Stored on a device.
    Delivered,
    /// Seen on screen.
    Read,
}

/// Frames the client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame of every connection: authenticate and say what the client already has.
    Hello {
        /// Session token from login.
        token: SessionToken,
        /// Highest event position the client has applied (0 for a new device).
        since: Pos,
    },
    /// Send a message. Resending the same `id` is safe: it is stored once and acknowledged again.
    Send {
        /// Client-generated id (UUID v7).
        id: MessageId,
        /// Target conversation; the sender must be a member.
        conversation_id: ConversationId,
        /// Text, at most [`crate::limits::MAX_BODY_BYTES`] bytes (with an attachment: its
        /// caption, possibly empty).
        body: String,
        /// A completed upload of the sender's to this conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<crate::AttachmentId>,
    },
    /// Open (or find) the direct chat with the user who has this handle.
    StartChat {
        /// Echoed in the answer.
        request_id: RequestId,
        /// The other person's handle, as typed.
        handle: String,
    },
    /// Report that messages up to `seq` were delivered to or read on this device.
    Receipt {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Delivered or read.
        kind: ReceiptKind,
        /// Up to and including this sequence number.
        seq: Seq,
    },
    /// The user is typing in this conversation (sent at most every few seconds).
    Typing {
        /// Which conversation.
        conversation_id: ConversationId,
    },
    /// Older messages of a conversation (a device that evicted or never had them).
    History {
        /// Echoed in the answer.
        request_id: RequestId,
        /// Which conversation; the user must be a member.
        conversation_id: ConversationId,
        /// Messages with a sequence number below this one.
        before: Seq,
        /// At most this many (the server caps it at [`crate::limits::HISTORY_PAGE`]).
        limit: u32,
    },
    /// One page of a business inbox (team members only), newest activity first.
    Inbox {
        /// Echoed in the answer.
        request_id: RequestId,
        /// Whose inbox.
        business: BusinessId,
        /// View, status and label.
        filter: InboxFilter,
        /// Continue after this item (none: the first page).
        #[serde(default)]
        before: Option<InboxCursor>,
    },
    /// Give a customer conversation to a teammate (or to nobody).
    Assign {
        /// Echoed in an error.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// The teammate; none unassigns.
        assignee: Option<UserId>,
    },
    /// Change a customer conversation's status.
    SetStatus {
        /// Echoed in an error.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// The new status.
        status: InboxStatus,
        /// Required with [`InboxStatus::Snoozed`].
        #[serde(default)]
        snooze: Option<Snooze>,
    },
    /// Replace the labels on a customer conversation.
    SetLabels {
        /// Echoed in an error.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// The labels it should carry.
        labels: Vec<LabelId>,
    },
    /// Add a private note (team only).
    AddNote {
        /// Named by the client; a resend is recognised.
        id: NoteId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// The text; `@handle` mentions a teammate.
        body: String,
    },
    /// The notes on a customer conversation.
    Notes {
        /// Echoed in the answer.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
    },
    /// The conversation, its inbox state and the customer panel, when an agent opens it.
    Customer {
        /// Echoed in the answer.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
    },
    /// Tell teammates what I am doing in a customer conversation (repeat every 20 s to stay shown).
    Activity {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Viewing, typing or left.
        activity: Activity,
    },
    /// Heartbeat; the server answers [`ServerFrame::Pong`] with the same nonce.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
}

impl ClientFrame {
    /// The message or request an answer to this frame is about, so a refusal of the whole frame
    /// (a rate limit, say) reaches the one waiting for it.
    pub fn about(&self) -> (Option<MessageId>, Option<RequestId>) {
        match self {
            ClientFrame::Send { id, .. } => (Some(*id), None),
            ClientFrame::StartChat { request_id, .. }
            | ClientFrame::History { request_id, .. }
            | ClientFrame::Inbox { request_id, .. }
            | ClientFrame::Assign { request_id, .. }
            | ClientFrame::SetStatus { request_id, .. }
            | ClientFrame::SetLabels { request_id, .. }
            | ClientFrame::Notes { request_id, .. }
            | ClientFrame::Customer { request_id, .. } => (None, Some(*request_id)),
            ClientFrame::Hello { .. }
            | ClientFrame::Receipt { .. }
            | ClientFrame::Typing { .. }
            | ClientFrame::AddNote { .. }
            | ClientFrame::Activity { .. }
            | ClientFrame::Ping { .. } => (None, None),
        }
    }
}

/// Machine-readable reason of an [`ServerFrame::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The token is missing, unknown, expired or revoked. The connection closes.
    Unauthorized,
    /// The frame is not valid protocol JSON.
    Malformed,
    /// The frame or the message body is over the limit.
    TooLarge,
    /// The conversation does not exist or the user is not in it (deliberately the same answer).
    NotFound,
    /// No user has that handle.
    UnknownHandle,
    /// The request is well-formed but not allowed (an empty message, a chat with oneself …).
    Invalid,
    /// The same message id was already used for a different message.
    Conflict,
    /// The caller's role does not allow this.
    Forbidden,
    /// The server is overloaded or shutting down; try again later.
    Unavailable,
    /// Something went wrong on the server; nothing was stored.
    Internal,
    /// Too many requests of this kind; the frame's `retry_after_ms` says when to try again.
    RateLimited,
}

impl ErrorCode {
    /// True when resending the same frame later can succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::Unavailable | ErrorCode::Internal | ErrorCode::RateLimited
        )
    }
}

/// Frames the server sends.
// Frames are built, serialised and dropped at once; boxing the big variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerFrame {
    /// Authentication succeeded.
    Ready {
        /// The logged-in user.
        user: User,
    },
    /// A conversation was created, or its members' receipts changed.
    Conversation {
        /// Event position.
        pos: Pos,
        /// Its current state.
        conversation: Conversation,
    },
    /// Messages, oldest first (catch-up pages and live messages alike).
    Messages {
        /// In increasing `pos` order.
        messages: Vec<Message>,
    },
    /// Catch-up finished: everything up to `pos` has been sent.
    SyncDone {
        /// The cursor the client may store.
        pos: Pos,
    },
    /// A message from this connection is durably stored.
    Ack {
        /// The client's message id.
        id: MessageId,
        /// Its conversation.
        conversation_id: ConversationId,
        /// Sequence number assigned.
        seq: Seq,
        /// Event position.
        pos: Pos,
        /// Server time of storage.
        sent_at: Timestamp,
    },
    /// A member's delivered/read marks moved forward.
    Receipt {
        /// Event position.
        pos: Pos,
        /// Which conversation.
        conversation_id: ConversationId,
        /// Whose marks.
        user_id: UserId,
        /// Delivered up to.
        delivered: Seq,
        /// Read up to.
        read: Seq,
    },
    /// Answer to [`ClientFrame::StartChat`].
    ChatStarted {
        /// Echo of the request.
        request_id: RequestId,
        /// Event position (of the conversation's creation, or the current one if it existed).
        pos: Pos,
        /// The conversation.
        conversation: Conversation,
    },
    /// Answer to [`ClientFrame::History`]: the newest messages below `before`, oldest first.
    /// Not part of the resumable stream (it carries no position).
    History {
        /// Echo of the request.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// Oldest first; empty when there is nothing older.
        messages: Vec<Message>,
    },
    /// Someone else in the conversation is typing.
    Typing {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Who.
        user_id: UserId,
    },
    /// A page of a business inbox.
    InboxPage {
        /// From the request.
        request_id: RequestId,
        /// Whose inbox.
        business: BusinessId,
        /// Newest activity first.
        items: Vec<InboxItem>,
        /// Sizes of the views under the same status and label filter.
        counts: InboxCounts,
        /// Where the next page starts, if there is one.
        next: Option<InboxCursor>,
    },
    /// A customer conversation's inbox state changed (message, assignment, status, labels): sent
    /// to every connected team member.
    InboxItem {
        /// The new state.
        item: InboxItem,
    },
    /// A private note was stored; team members only (this is also the writer's acknowledgement).
    Note {
        /// The note.
        note: Note,
    },
    /// The notes on a conversation, oldest first.
    Notes {
        /// From the request.
        request_id: RequestId,
        /// Which conversation.
        conversation_id: ConversationId,
        /// The notes.
        notes: Vec<Note>,
    },
    /// Answer to [`ClientFrame::Customer`].
    Customer {
        /// From the request.
        request_id: RequestId,
        /// The conversation (members and receipts).
        conversation: Conversation,
        /// Its inbox state.
        item: InboxItem,
        /// What the team knows about the customer.
        panel: CustomerPanel,
    },
    /// A teammate's activity in a customer conversation.
    Activity {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Who.
        user: User,
        /// Viewing, typing or left.
        activity: Activity,
    },
    /// The user was removed from a business's team: its inbox is closed to them from now on.
    AccessRevoked {
        /// Which business.
        business: BusinessId,
    },
    /// Heartbeat answer.
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// A request failed. The connection stays open unless the code is `Unauthorized`.
    Error {
        /// Why.
        code: ErrorCode,
        /// Human-readable explanation.
        message: String,
        /// The message the error is about, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
        /// The request the error is about, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<RequestId>,
        /// For `rate_limited`: milliseconds until the same request can succeed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerFrame {
    /// An error frame about nothing in particular.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
            message_id: None,
            request_id: None,
            retry_after_ms: None,
        }
    }

    /// The event position this frame carries, for frames that are part of the resumable stream.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            ServerFrame::Conversation { pos, .. }
            | ServerFrame::Ack { pos, .. }
            | ServerFrame::Receipt { pos, .. }
            | ServerFrame::ChatStarted { pos, .. } => Some(*pos),
            ServerFrame::Messages { messages } => messages.last().map(|m| m.pos),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConversationKind, Handle, Member};

    fn round_trip_client(frame: ClientFrame) {
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ClientFrame>(&text).unwrap(), frame);
    }

    fn round_trip_server(frame: ServerFrame) {
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ServerFrame>(&text).unwrap(), frame);
    }

    fn user(name: &str) -> User {
        User::person(
            UserId::new(),
            Handle::parse(name).unwrap(),
            name.to_uppercase(),
        )
    }

    #[test]
    fn client_frames_round_trip() {
        let conversation_id = ConversationId::new();
        round_trip_client(ClientFrame::Hello {
            token: SessionToken("t0k3n".into()),
            since: Pos(42),
        });
        round_trip_client(ClientFrame::Send {
            id: MessageId::new(),
            conversation_id,
            body: "hej \"världen\" \u{1F600}\n".into(),
            attachment: None,
        });
        round_trip_client(ClientFrame::StartChat {
            request_id: RequestId::new(),
            handle: "Bob".into(),
        });
        round_trip_client(ClientFrame::Receipt {
            conversation_id,
            kind: ReceiptKind::Read,
            seq: Seq(7),
        });
        round_trip_client(ClientFrame::Typing { conversation_id });
        round_trip_client(ClientFrame::History {
            request_id: RequestId::new(),
            conversation_id,
            before: Seq(100),
            limit: 50,
        });
        round_trip_client(ClientFrame::Ping { nonce: u64::MAX });
    }

    #[test]
    fn server_frames_round_trip() {
        let alice = user("alice");
        let conversation = Conversation {
            id: ConversationId::new(),
            kind: ConversationKind::Direct,
            members: vec![Member {
                user: alice.clone(),
                delivered: Seq(3),
                read: Seq(2),
            }],
            last_seq: Seq(3),
            created_at: Timestamp(1_700_000_000_000),
        };
        let message = Message {
            id: MessageId::new(),
            conversation_id: conversation.id,
            seq: Seq(1),
            pos: Pos(9),
            sender: alice.id,
            body: "hi".into(),
            sent_at: Timestamp(1),
            agent: None,
            attachment: None,
        };
        round_trip_server(ServerFrame::Ready {
            user: alice.clone(),
        });
        round_trip_server(ServerFrame::Conversation {
            pos: Pos(1),
            conversation: conversation.clone(),
        });
        round_trip_server(ServerFrame::Messages {
            messages: vec![message.clone()],
        });
        round_trip_server(ServerFrame::SyncDone { pos: Pos(9) });
        round_trip_server(ServerFrame::Ack {
            id: message.id,
            conversation_id: conversation.id,
            seq: Seq(1),
            pos: Pos(9),
            sent_at: Timestamp(1),
        });
        round_trip_server(ServerFrame::Receipt {
            pos: Pos(10),
            conversation_id: conversation.id,
            user_id: alice.id,
            delivered: Seq(1),
            read: Seq(1),
        });
        round_trip_server(ServerFrame::ChatStarted {
            request_id: RequestId::new(),
            pos: Pos(1),
            conversation,
        });
        round_trip_server(ServerFrame::Typing {
            conversation_id: message.conversation_id,
            user_id: alice.id,
        });
        round_trip_server(ServerFrame::Pong { nonce: 1 });
        round_trip_server(ServerFrame::History {
            request_id: RequestId::new(),
            conversation_id: message.conversation_id,
            messages: vec![message.clone()],
        });
        round_trip_server(ServerFrame::Error {
            code: ErrorCode::NotFound,
            message: "no such conversation".into(),
            message_id: Some(message.id),
            request_id: None,
            retry_after_ms: None,
        });
        round_trip_server(ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "You are sending messages too fast. Try again in 1 second.".into(),
            message_id: Some(message.id),
            request_id: None,
            retry_after_ms: Some(480),
        });
    }

    #[test]
    fn wire_format_is_named_by_variant_in_snake_case() {
        let text = serde_json::to_string(&ClientFrame::Ping { nonce: 5 }).unwrap();
        assert_eq!(text, r#"{"ping":{"nonce":5}}"#);
        let text = serde_json::to_string(&ServerFrame::SyncDone { pos: Pos(7) }).unwrap();
        assert_eq!(text, r#"{"sync_done":{"pos":7}}"#);
    }

    #[test]
    fn unknown_or_broken_frames_fail_to_parse() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"explode":{}}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"send":{"id":"x"}}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"ping","nonce":1}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"ping":{"nonce":1},"send":{}}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>("not json").is_err());
    }

    #[test]
    fn pos_of_stream_frames() {
        assert_eq!(ServerFrame::SyncDone { pos: Pos(3) }.pos(), None);
        assert_eq!(ServerFrame::Messages { messages: vec![] }.pos(), None);
    }
}
