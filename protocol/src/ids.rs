//! Typed identifiers, so a conversation id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUID v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A user account.
    UserId
);
uuid_id!(
    /// A conversation (a direct chat between two users).
    ConversationId
);
uuid_id!(
    /// A message, named by the client before it is sent so that a resend is recognised.
    MessageId
);
uuid_id!(
    /// Correlates a request frame with its answer.
    RequestId
);
uuid_id!(
    /// A business. Businesses share the handle namespace with people and take part in
    /// conversations as a party, so each business id is also the [`UserId`] of that party.
    BusinessId
);
uuid_id!(
    /// A label a business puts on its conversations.
    LabelId
);
uuid_id!(
    /// A private note of a business team on a conversation, named by the writing client.
    NoteId
);
uuid_id!(
    /// A quick reply of a business.
    QuickReplyId
);
uuid_id!(
    /// A file being uploaded (resumable until it completes).
    UploadId
);
uuid_id!(
    /// A completed, stored attachment.
    AttachmentId
);
uuid_id!(
    /// A report a person filed about a conversation, for the operator.
    ReportId
);

impl From<BusinessId> for UserId {
    fn from(id: BusinessId) -> Self {
        UserId(id.0)
    }
}

/// Position of a message inside its conversation: 1, 2, 3 … without gaps.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    /// Past every message of any conversation: `History { before: Seq::END }` asks for the newest
    /// page. It is 2^53 − 1, the largest integer every JSON reader (JavaScript's too) holds exactly.
    pub const END: Seq = Seq((1 << 53) - 1);
}

/// Position in the server's global event stream (messages, receipts, new conversations).
///
/// A client stores the highest position it has applied and resumes from it: the server then sends
/// exactly the events after it, in order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pos(pub u64);

/// Milliseconds since the Unix epoch (UTC).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// An opaque session token, handed out at login and presented in the first WebSocket frame.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionToken(pub String);

impl fmt::Debug for SessionToken {
    // Tokens are secrets: keep them out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(…)")
    }
}
