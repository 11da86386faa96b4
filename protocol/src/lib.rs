//! The Kontor wire protocol.
//!
//! One source of truth for everything that crosses the network: the JSON frames exchanged over the
//! WebSocket ([`ClientFrame`], [`ServerFrame`]), the HTTP account API ([`api`]), typed identifiers
//! ([`ids`]) and the limits both sides enforce ([`limits`]). The web client and the server both
//! depend on this crate, so a change to a frame is a compile error on both sides, never a silent
//! mismatch.
//!
//! Integers on the wire stay at or below 2^53 − 1 (see [`Seq::END`]): the web client reads JSON
//! with the browser's own parser, whose numbers are doubles, and refuses larger ones.

pub mod api;
pub mod business;
pub mod close;
pub mod frames;
pub mod handle;
pub mod ids;
pub mod limits;
pub mod media;
pub mod model;
pub mod packed;
pub mod pages;
pub mod safety;
pub mod text;

pub use frames::{ClientFrame, ErrorCode, ReceiptKind, ServerFrame};
pub use handle::{Handle, HandleError};
pub use ids::{
    AttachmentId, BusinessId, ConversationId, LabelId, MessageId, NoteId, Pos, QuickReplyId,
    ReportId, RequestId, Seq, SessionToken, Timestamp, UploadId, UserId,
};
pub use model::{AgentSignature, Conversation, ConversationKind, Member, Message, User};
