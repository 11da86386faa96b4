//! Rows the storage traits hand back that are not wire types.

use crate::media::storage::BlobHash;
use kontor_protocol::business::{InboxStatus, Role};
use kontor_protocol::media::{Attachment, AttachmentKind, UploadState};
use kontor_protocol::{BusinessId, ConversationId, Seq, UploadId, User, UserId};
use uuid::Uuid;

/// A session found by its token hash.
#[derive(Debug, Clone)]
pub struct AuthSession {
    /// The session's id (used to cut its connections on logout).
    pub session_id: Uuid,
    /// Whose session.
    pub user: User,
    /// Expiry, ms since epoch.
    pub expires_at: i64,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// What login needs to check a password.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The account.
    pub user: User,
    /// PHC-format argon2id hash.
    pub password_hash: String,
    /// The operator suspended the account.
    pub suspended: bool,
}

/// Who may act in a conversation: its member parties and, for a customer conversation, the
/// business's team (who act as the business party).
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// The member parties (two for a direct chat; the customer and the business).
    pub members: Vec<UserId>,
    /// The business side, when this is a customer conversation.
    pub business: Option<BusinessId>,
    /// The business's team.
    pub team: Vec<UserId>,
    /// For a two-party conversation, which of `members[0]` and `members[1]` blocked the other
    /// (read with the audience, so sending costs no query of its own).
    pub blocks: Blocks,
}

impl Audience {
    /// The party `user` acts as here, or `None` when they have no access
    /// ([`kontor_protocol::model::speaking_party`]).
    pub fn party_of(&self, user: UserId) -> Option<UserId> {
        kontor_protocol::model::speaking_party(
            user,
            self.members.contains(&user),
            self.business.map(UserId::from),
            self.team.contains(&user),
        )
    }

    /// Whether `user` is on the business's team (not the customer).
    pub fn is_team(&self, user: UserId) -> bool {
        !self.members.contains(&user) && self.team.contains(&user)
    }

    /// People who see the conversation as members (the business party has no connections).
    pub fn member_people(&self) -> Vec<UserId> {
        let business = self.business.map(UserId::from);
        self.members
            .iter()
            .copied()
            .filter(|m| Some(*m) != business)
            .collect()
    }
}

/// Whose eyes a message is read for: the team sees which agent wrote it, a customer only the
/// first name and only when the business showed it when the message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A member of the conversation (a person in a direct chat, or the customer).
    Member,
    /// A member of the business's team.
    Team,
}

/// A member's receipt marks and the conversation's newest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    /// Highest seq one of their devices stored.
    pub delivered: Seq,
    /// Highest seq they saw.
    pub read: Seq,
    /// The conversation's newest seq.
    pub last: Seq,
}

/// A customer conversation's inbox row, as the rules for automatic replies need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    /// Open, pending, snoozed or resolved.
    pub status: InboxStatus,
    /// When the customer last wrote, ms since epoch.
    pub last_customer_at: i64,
    /// The business's local day the away message was last sent on.
    pub away_day: Option<String>,
}

/// What happened to a customer conversation, for the customer panel and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxEvent {
    /// Opened (first message, or reopened after being resolved).
    Opened,
    /// Resolved.
    Resolved,
}

impl InboxEvent {
    /// How it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxEvent::Opened => "opened",
            InboxEvent::Resolved => "resolved",
        }
    }

    /// From its stored form (anything else reads as resolved, as the panel always did).
    pub fn parse(raw: &str) -> Self {
        if raw == "opened" {
            InboxEvent::Opened
        } else {
            InboxEvent::Resolved
        }
    }
}

/// A business message as statistics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageFact {
    /// When it was sent, ms since epoch.
    pub at: i64,
    /// Sent by the business (else by the customer).
    pub from_business: bool,
    /// The customer's device stored it.
    pub delivered: bool,
    /// The customer saw it.
    pub read: bool,
}

/// An invite link's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InviteRow {
    /// Which business.
    pub business: BusinessId,
    /// The role it grants.
    pub role: Role,
    /// Expiry, ms since epoch.
    pub expires_at: i64,
    /// Whether someone used it.
    pub used: bool,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// Its id.
    pub id: UploadId,
    /// Who uploads (the only one who may see or continue it).
    pub user: UserId,
    /// Where the attachment will be sent.
    pub conversation: ConversationId,
    /// Cleaned file name.
    pub name: String,
    /// Cleaned media type as announced.
    pub mime: String,
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// Announced size in bytes.
    pub size: u64,
    /// Bytes stored so far.
    pub received: u64,
    /// Voice notes: their length.
    pub duration_ms: Option<u32>,
    /// When it was announced, ms since epoch.
    pub created_at: i64,
}

impl UploadRow {
    /// Where the upload stands, as clients are told.
    pub fn state(&self) -> UploadState {
        UploadState {
            id: self.id,
            received: self.received,
            size: self.size,
        }
    }
}

/// The blobs of a stored attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Files {
    /// The original (for photos: re-encoded without metadata).
    pub original: BlobHash,
    /// Photos: the preview.
    pub preview: Option<BlobHash>,
    /// Photos: the thumbnail.
    pub thumb: Option<BlobHash>,
}

/// A stored attachment with where it may be sent and where its files are.
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    /// As messages carry it.
    pub attachment: Attachment,
    /// The conversation it was uploaded to.
    pub conversation: ConversationId,
    /// Who uploaded it.
    pub uploader: UserId,
    /// Its blobs.
    pub files: Files,
}

/// Which of two parties blocked the other (in the order they were asked about).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Blocks {
    /// The first blocked the second.
    pub first_blocked_second: bool,
    /// The second blocked the first.
    pub second_blocked_first: bool,
}

/// A message kept in a report, as the reporter saw it when reporting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceLine {
    /// The sender's handle.
    pub from: String,
    /// When it was sent, ms since epoch.
    pub at: i64,
    /// Its text (an attachment adds "[file name]").
    pub text: String,
}

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewReportRow {
    /// Its id.
    pub id: kontor_protocol::ReportId,
    /// Who reports.
    pub reporter: UserId,
    /// The other party of the conversation.
    pub reported: UserId,
    /// The conversation reported.
    pub conversation: ConversationId,
    /// Why.
    pub reason: kontor_protocol::safety::ReportReason,
    /// The reporter's words.
    pub note: String,
    /// The newest messages the reporter could see.
    pub evidence: Vec<EvidenceLine>,
    /// When, ms since epoch.
    pub at: i64,
}

/// A report as the operator reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Its id.
    pub id: kontor_protocol::ReportId,
    /// When it was filed, ms since epoch.
    pub created_at: i64,
    /// Who reported.
    pub reporter: User,
    /// Who was reported.
    pub reported: User,
    /// Whether the operator suspended the reported account.
    pub reported_suspended: bool,
    /// How many reports name the reported party, this one included.
    pub reports_against: u32,
    /// The conversation.
    pub conversation: ConversationId,
    /// Why.
    pub reason: kontor_protocol::safety::ReportReason,
    /// The reporter's words.
    pub note: String,
    /// The newest messages the reporter could see.
    pub evidence: Vec<EvidenceLine>,
    /// When the operator closed it.
    pub closed_at: Option<i64>,
}
