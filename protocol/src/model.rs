//! The things the protocol talks about: users, conversations, messages.

use crate::business::BusinessBadge;
use crate::media::Attachment;
use crate::{ConversationId, Handle, MessageId, Pos, Seq, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// A person's public identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Unique handle, lower case.
    pub handle: Handle,
    /// Name shown to others.
    pub display_name: String,
    /// Set when this party is a business (its verification and logo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessBadge>,
}

impl User {
    /// A person (not a business).
    pub fn person(id: UserId, handle: Handle, display_name: String) -> Self {
        Self {
            id,
            handle,
            display_name,
            business: None,
        }
    }

    /// Whether this party is a business the server operator has verified.
    pub fn is_verified_business(&self) -> bool {
        self.business.as_ref().is_some_and(|b| b.verified)
    }
}

/// What kind of conversation this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// One-to-one chat between two people.
    Direct,
    /// A customer and a business; the business's side is worked by its team.
    Business,
}

/// A member of a conversation and how far they have received and read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub user: User,
    /// Highest sequence number one of their devices has stored.
    pub delivered: Seq,
    /// Highest sequence number they have seen on screen.
    pub read: Seq,
}

/// A conversation as the server knows it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Stable id.
    pub id: ConversationId,
    /// Direct chat or customer ↔ business.
    pub kind: ConversationKind,
    /// Everybody in it, including the receiving user.
    pub members: Vec<Member>,
    /// Sequence number of the newest message (0 when empty).
    pub last_seq: Seq,
    /// When it was started.
    pub created_at: Timestamp,
}

/// The party `user` speaks as in a conversation: themselves when they are one of its members,
/// otherwise the business whose team they answer for (`business`, when the conversation has one
/// and `user` is on its team), otherwise nobody (`None`: no access).
pub fn speaking_party(
    user: UserId,
    is_member: bool,
    business: Option<UserId>,
    on_team: bool,
) -> Option<UserId> {
    if is_member {
        Some(user)
    } else if on_team {
        business
    } else {
        None
    }
}

impl Conversation {
    /// The business party, when this is a customer conversation.
    pub fn business_party(&self) -> Option<UserId> {
        self.members
            .iter()
            .find(|m| m.user.business.is_some())
            .map(|m| m.user.id)
    }

    /// The party `me` speaks as here, as a client sees it: a client only has a conversation it is
    /// a member of or whose business it works for ([`speaking_party`]).
    pub fn party_of(&self, me: UserId) -> UserId {
        let member = self.members.iter().any(|m| m.user.id == me);
        speaking_party(me, member, self.business_party(), true).unwrap_or(me)
    }
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Named by the sending client.
    pub id: MessageId,
    /// Where it belongs.
    pub conversation_id: ConversationId,
    /// Gap-free number inside the conversation.
    pub seq: Seq,
    /// Position in the global event stream (the resume cursor).
    pub pos: Pos,
    /// Who wrote it.
    pub sender: UserId,
    /// The text.
    pub body: String,
    /// When the server stored it.
    pub sent_at: Timestamp,
    /// For a business's message: the agent who wrote it (none for automatic replies, and for
    /// customers unless the business shows agent names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentSignature>,
    /// A photo, document or voice note; `body` is then its caption (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

/// Which agent wrote a business's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSignature {
    /// The agent's account; only the team is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    /// First name, as customers may see it.
    pub name: String,
}
