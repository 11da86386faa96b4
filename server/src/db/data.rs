//! The storage boundary: what services may ask of a backend, one trait per area.
//!
//! Every method is one query or one statement's worth of work, with no permission checks and no
//! knowledge of frames: the services decide. Writes are only ever called inside a [`super::Tx`],
//! so a backend runs them in the current transaction; reads also run on read connections. A
//! backend never allocates event positions itself inside these calls: they come from
//! [`super::Tx::take_pos`], so the order clients resume in is the engine's to keep.

use super::DbResult;
use super::model::*;
use crate::media::storage::BlobHash;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, InboxCounts, InboxCursor, InboxFilter, InboxItem,
    InboxStatus, Label, Membership, Note, OpeningHours, ProfileFields, QuickReply, Role,
    TeamMember,
};
use kontor_protocol::media::{Attachment, UploadState};
use kontor_protocol::{
    AttachmentId, BusinessId, Conversation, ConversationId, Handle, LabelId, Message, MessageId,
    NoteId, Pos, QuickReplyId, Seq, UploadId, User, UserId,
};
use std::collections::HashSet;
use uuid::Uuid;

/// Everything a backend answers.
pub trait Data:
    Accounts + Conversations + Messages + Inbox + Businesses + Uploads + Safety
{
}

impl<T: Accounts + Conversations + Messages + Inbox + Businesses + Uploads + Safety + ?Sized> Data
    for T
{
}

/// People, their passwords and login sessions.
pub trait Accounts {
    /// Stores a new person with an argon2id PHC password hash.
    fn insert_person(&self, user: &User, password_hash: &str, at: i64) -> DbResult<()>;
    /// Stores a login session by the SHA-256 of its token.
    fn insert_session(
        &self,
        id: Uuid,
        user: UserId,
        token_hash: &[u8; 32],
        at: i64,
        expires_at: i64,
    ) -> DbResult<()>;
    /// Marks a live session revoked; answers its id, or `None` when there was none live.
    fn revoke_session(&self, token_hash: &[u8; 32], at: i64) -> DbResult<Option<Uuid>>;
    /// Revokes every live session of `user`; answers their ids.
    fn revoke_user_sessions(&self, user: UserId, at: i64) -> DbResult<Vec<Uuid>>;
    /// Suspends (`at` = when) or reinstates (`None`) the person with this handle; answers
    /// their id, or `None` when no person has it.
    fn set_suspended(&self, handle: &Handle, at: Option<i64>) -> DbResult<Option<UserId>>;
    /// Deletes sessions that expired or were revoked before `now`; answers how many.
    fn purge_sessions(&self, now: i64) -> DbResult<usize>;
    /// A session by the SHA-256 of its token.
    fn auth_session(&self, token_hash: &[u8]) -> DbResult<Option<AuthSession>>;
    /// The person and password hash for a handle.
    fn login_record(&self, handle: &Handle) -> DbResult<Option<LoginRecord>>;
    /// A person or business (with its badge) by handle.
    fn user_by_handle(&self, handle: &Handle) -> DbResult<Option<User>>;
    /// The id of whoever has this raw (lower-case) handle.
    fn user_id_by_handle(&self, handle: &str) -> DbResult<Option<UserId>>;
    /// A person or business (with its badge) by id.
    fn party(&self, id: UserId) -> DbResult<Option<User>>;
}

/// Conversations, their members and receipt marks.
pub trait Conversations {
    /// Who may act in a conversation (empty when it does not exist). Prefer
    /// [`super::Tx::audience`] inside a transaction: it is cached.
    fn conversation_audience(&self, id: ConversationId) -> DbResult<Audience>;
    /// Ids of a business's team members.
    fn team_ids(&self, business: BusinessId) -> DbResult<Vec<UserId>>;
    /// A conversation's current state.
    fn conversation(&self, id: ConversationId) -> DbResult<Option<Conversation>>;
    /// The user's conversations created, or whose receipts or parties changed, after `since`.
    fn changed_conversations(&self, user: UserId, since: Pos) -> DbResult<Vec<Conversation>>;
    /// The direct or customer conversation between two parties (by their ordered pair key).
    fn direct_conversation(&self, key: &str) -> DbResult<Option<ConversationId>>;
    /// Creates a two-party conversation at event position `pos`.
    fn insert_direct_conversation(
        &self,
        id: ConversationId,
        key: &str,
        business: Option<BusinessId>,
        members: [UserId; 2],
        pos: Pos,
        at: i64,
    ) -> DbResult<()>;
    /// The ids of a business's conversations.
    fn business_conversation_ids(&self, business: BusinessId) -> DbResult<Vec<ConversationId>>;
    /// A member's receipt marks (`None` when they are not a member).
    fn marks(&self, party: UserId, conversation: ConversationId) -> DbResult<Option<Marks>>;
    /// Moves a member's receipt marks, at event position `pos`.
    fn set_marks(
        &self,
        party: UserId,
        conversation: ConversationId,
        delivered: Seq,
        read: Seq,
        pos: Pos,
    ) -> DbResult<()>;
    /// Says a member's row changed at `pos`, so catch-ups send the conversation again.
    fn touch_member(&self, conversation: ConversationId, party: UserId, pos: Pos) -> DbResult<()>;
}

/// Messages.
pub trait Messages {
    /// The gap-free sequence number the next message in the conversation gets; insert that
    /// message in the same unit of work before asking again.
    fn next_seq(&self, conversation: ConversationId) -> DbResult<Seq>;
    /// Stores a message (its seq and pos already taken). `agent_shown`: whether customers see
    /// the writing agent's first name; `hidden_from`: the member it is withheld from (they
    /// blocked the sender).
    fn insert_message(
        &self,
        message: &Message,
        agent_shown: bool,
        hidden_from: Option<UserId>,
    ) -> DbResult<()>;
    /// A stored message by id, with the writing agent (if any) as the team sees it.
    fn message_by_id(&self, id: MessageId) -> DbResult<Option<Message>>;
    /// One page of the user's messages with `since < pos <= until`, oldest first (not those
    /// withheld from them).
    fn messages_since(
        &self,
        user: UserId,
        since: Pos,
        until: Pos,
        limit: usize,
    ) -> DbResult<Vec<Message>>;
    /// The newest `limit` messages of a conversation below `before` that `user` may see
    /// (not those withheld from them), oldest first.
    fn history(
        &self,
        conversation: ConversationId,
        before: Seq,
        limit: u32,
        viewer: Viewer,
        user: UserId,
    ) -> DbResult<Vec<Message>>;
    /// An agent's display name and whether their business shows agent names to customers.
    fn agent_name_shown(&self, agent: UserId, business: UserId) -> DbResult<(String, bool)>;
}

/// The shared team inbox: one row per customer conversation, notes, and what statistics count.
pub trait Inbox {
    /// The rules' view of a conversation's inbox row (`None` before the first customer message).
    fn inbox_row(&self, conversation: ConversationId) -> DbResult<Option<InboxRow>>;
    /// Files a customer's first message.
    fn insert_inbox_row(
        &self,
        conversation: ConversationId,
        business: BusinessId,
        customer: UserId,
        at: i64,
        preview: &str,
    ) -> DbResult<()>;
    /// A customer's later message: wakes a snoozed and reopens a resolved conversation.
    fn renew_inbox_row(&self, conversation: ConversationId, at: i64, preview: &str)
    -> DbResult<()>;
    /// Remembers the local day the away message went out.
    fn set_away_day(&self, conversation: ConversationId, day: &str) -> DbResult<()>;
    /// A business message: the list's activity and preview.
    fn note_business_message(
        &self,
        conversation: ConversationId,
        at: i64,
        preview: &str,
    ) -> DbResult<()>;
    /// Records an opening or resolution.
    fn log_inbox_event(
        &self,
        business: BusinessId,
        conversation: ConversationId,
        event: InboxEvent,
        at: i64,
    ) -> DbResult<()>;
    /// A conversation's inbox state as the team sees it.
    fn inbox_item(&self, conversation: ConversationId) -> DbResult<Option<InboxItem>>;
    /// One page of a view (newest activity first), the views' sizes, and the next page's cursor.
    fn inbox_page(
        &self,
        business: BusinessId,
        user: UserId,
        filter: &InboxFilter,
        before: Option<InboxCursor>,
        limit: u32,
    ) -> DbResult<(Vec<InboxItem>, InboxCounts, Option<InboxCursor>)>;
    /// Sets the assignee; `false` when the conversation has no inbox row.
    fn set_assignee(
        &self,
        conversation: ConversationId,
        assignee: Option<UserId>,
    ) -> DbResult<bool>;
    /// Sets the status (and the snooze's end).
    fn set_inbox_status(
        &self,
        conversation: ConversationId,
        status: InboxStatus,
        snooze_until: Option<i64>,
        snooze_next: bool,
    ) -> DbResult<()>;
    /// Snoozed conversations whose time has come.
    fn due_snoozed(&self, now: i64) -> DbResult<Vec<ConversationId>>;
    /// Whether a label is the business's own.
    fn label_belongs(&self, label: LabelId, business: BusinessId) -> DbResult<bool>;
    /// Replaces a conversation's labels.
    fn replace_labels(&self, conversation: ConversationId, labels: &[LabelId]) -> DbResult<()>;
    /// A note by id.
    fn note(&self, id: NoteId) -> DbResult<Option<Note>>;
    /// Stores a note.
    fn insert_note(
        &self,
        id: NoteId,
        conversation: ConversationId,
        author: UserId,
        body: &str,
        mentions: &[UserId],
        at: i64,
    ) -> DbResult<()>;
    /// The notes on a conversation, oldest first.
    fn notes(&self, conversation: ConversationId) -> DbResult<Vec<Note>>;
    /// A conversation's openings and resolutions, oldest first.
    fn inbox_events(&self, conversation: ConversationId) -> DbResult<Vec<(InboxEvent, i64)>>;
    /// Messages the customer sent between two times (inclusive).
    fn customer_messages_between(
        &self,
        conversation: ConversationId,
        customer: UserId,
        from: i64,
        to: i64,
    ) -> DbResult<u32>;
    /// Every message of the business's conversations since `since`, as statistics count them.
    fn message_facts(&self, business: BusinessId, since: i64) -> DbResult<Vec<MessageFact>>;
    /// The business's openings and resolutions since `since`: conversation, event, time.
    fn business_events(
        &self,
        business: BusinessId,
        since: i64,
    ) -> DbResult<Vec<(ConversationId, InboxEvent, i64)>>;
    /// When an agent (not an automatic reply) first wrote in a conversation at or after `at`.
    fn first_agent_reply(&self, conversation: ConversationId, at: i64) -> DbResult<Option<i64>>;
}

/// Businesses: profiles, teams, invites, settings, labels, quick replies.
pub trait Businesses {
    /// A public profile by handle (`open_now` as of `now`).
    fn profile_by_handle(&self, handle: &Handle, now: i64) -> DbResult<Option<BusinessProfile>>;
    /// A public profile by id.
    fn profile_by_id(&self, id: BusinessId, now: i64) -> DbResult<Option<BusinessProfile>>;
    /// The business's id for a handle (`None` for people and unknown handles).
    fn business_id(&self, handle: &Handle) -> DbResult<Option<BusinessId>>;
    /// Opening hours.
    fn business_hours(&self, id: BusinessId) -> DbResult<OpeningHours>;
    /// The caller's role, if on the team.
    fn role(&self, business: BusinessId, user: UserId) -> DbResult<Option<Role>>;
    /// The team, owner first.
    fn team(&self, business: BusinessId) -> DbResult<Vec<TeamMember>>;
    /// The businesses a user is on the team of.
    fn memberships(&self, user: UserId, now: i64) -> DbResult<Vec<Membership>>;
    /// Greeting, away and display settings.
    fn settings(&self, business: BusinessId) -> DbResult<BusinessSettings>;
    /// The logo PNG.
    fn logo(&self, handle: &Handle) -> DbResult<Option<Vec<u8>>>;
    /// Labels, by name.
    fn labels(&self, business: BusinessId) -> DbResult<Vec<Label>>;
    /// Quick replies, by shortcut.
    fn quick_replies(&self, business: BusinessId) -> DbResult<Vec<QuickReply>>;
    /// An invite by the hash of its token.
    fn invite(&self, token_hash: &[u8; 32]) -> DbResult<Option<InviteRow>>;
    /// Verified businesses (other than `except`): handle and name.
    fn verified_names(&self, except: Option<BusinessId>) -> DbResult<Vec<(String, String)>>;
    /// Stores a new business party and its empty profile.
    fn insert_business(&self, id: BusinessId, handle: &Handle, name: &str, at: i64)
    -> DbResult<()>;
    /// Writes the profile's fields.
    fn write_profile(&self, id: BusinessId, fields: &ProfileFields) -> DbResult<()>;
    /// Sets or clears the badge.
    fn set_verified(&self, id: BusinessId, verified: bool) -> DbResult<()>;
    /// Stores a new logo (a new version).
    fn set_logo(&self, id: BusinessId, png: &[u8]) -> DbResult<()>;
    /// Saves greeting, away and display settings.
    fn save_settings(&self, business: BusinessId, settings: &BusinessSettings) -> DbResult<()>;
    /// Adds a team member.
    fn insert_team_member(
        &self,
        business: BusinessId,
        user: UserId,
        role: Role,
        at: i64,
    ) -> DbResult<()>;
    /// Removes a team member and gives back the conversations they held.
    fn delete_team_member(&self, business: BusinessId, user: UserId) -> DbResult<()>;
    /// Stores an invite.
    fn insert_invite(
        &self,
        token_hash: &[u8; 32],
        business: BusinessId,
        role: Role,
        by: UserId,
        expires_at: i64,
    ) -> DbResult<()>;
    /// Marks an invite used.
    fn use_invite(&self, token_hash: &[u8; 32], user: UserId) -> DbResult<()>;
    /// How many labels the business has.
    fn count_labels(&self, business: BusinessId) -> DbResult<usize>;
    /// Stores a label; `false` when the name is taken.
    fn insert_label(&self, business: BusinessId, label: &Label) -> DbResult<bool>;
    /// Deletes a label and takes it off every conversation; `false` when it is not theirs.
    fn delete_label(&self, business: BusinessId, id: LabelId) -> DbResult<bool>;
    /// How many quick replies the business has.
    fn count_quick_replies(&self, business: BusinessId) -> DbResult<usize>;
    /// Stores a quick reply; `false` when the shortcut is taken.
    fn insert_quick_reply(&self, business: BusinessId, reply: &QuickReply) -> DbResult<bool>;
    /// Deletes a quick reply; `false` when it is not theirs.
    fn delete_quick_reply(&self, business: BusinessId, id: QuickReplyId) -> DbResult<bool>;
}

/// Uploads in progress and stored attachments (their files live in the blob store).
pub trait Uploads {
    /// Stores a new upload.
    fn insert_upload(&self, row: &UploadRow) -> DbResult<()>;
    /// The user's upload; `None` for an unknown id or someone else's.
    fn upload(&self, id: UploadId, user: UserId) -> DbResult<Option<UploadRow>>;
    /// Records how many bytes are stored; `false` when the upload is gone.
    fn set_received(&self, id: UploadId, received: u64) -> DbResult<bool>;
    /// Deletes an upload's row; `false` when there was none.
    fn delete_upload(&self, id: UploadId) -> DbResult<bool>;
    /// Uploads announced before `cutoff` (ms since epoch).
    fn uploads_before(&self, cutoff: i64) -> DbResult<Vec<UploadId>>;
    /// Deletes these uploads' rows; answers how many there were.
    fn delete_uploads(&self, ids: &[UploadId]) -> DbResult<usize>;
    /// Every upload still in progress.
    fn live_upload_ids(&self) -> DbResult<HashSet<UploadId>>;
    /// Attachments made before `cutoff` that no message carries: files uploaded and never sent.
    fn unsent_attachments_before(&self, cutoff: i64) -> DbResult<Vec<AttachmentId>>;
    /// Deletes attachments that no message carries (a message sent meanwhile keeps its own);
    /// answers the files they had.
    fn delete_unsent_attachments(&self, ids: &[AttachmentId]) -> DbResult<Vec<BlobHash>>;
    /// Whether any attachment still uses this file.
    fn blob_in_use(&self, hash: &BlobHash) -> DbResult<bool>;
    /// Bytes a person keeps on the server outside the businesses they work for: their
    /// attachments and uploads in progress, except those in conversations of a business whose
    /// team they are on.
    fn personal_bytes(&self, user: UserId) -> DbResult<u64>;
    /// Bytes a business's team keeps in its customer conversations (attachments and uploads in
    /// progress by team members).
    fn business_bytes(&self, business: BusinessId) -> DbResult<u64>;
    /// Stores the attachment a finished upload became.
    fn insert_attachment(
        &self,
        upload: &UploadRow,
        attachment: &Attachment,
        files: &Files,
        at: i64,
    ) -> DbResult<()>;
    /// The attachment already made from this upload of the user's.
    fn attachment_of_upload(&self, upload: UploadId, user: UserId) -> DbResult<Option<Attachment>>;
    /// The state of an upload of the user's that became an attachment.
    fn finished_upload_state(
        &self,
        upload: UploadId,
        user: UserId,
    ) -> DbResult<Option<UploadState>>;
    /// An attachment by id, whoever asks.
    fn attachment(&self, id: AttachmentId) -> DbResult<Option<StoredAttachment>>;
}

/// Blocks between parties and reports for the operator.
pub trait Safety {
    /// Blocks (`Some(at)`) or unblocks (`None`); answers whether anything changed.
    fn set_block(&self, blocker: UserId, blocked: UserId, at: Option<i64>) -> DbResult<bool>;
    /// Who `user` blocked, newest first.
    fn blocks_of(&self, user: UserId) -> DbResult<Vec<kontor_protocol::safety::BlockedAccount>>;
    /// How many parties `user` blocked.
    fn block_count(&self, user: UserId) -> DbResult<u32>;
    /// Which of `first` and `second` blocked the other.
    fn blocks_between(&self, first: UserId, second: UserId) -> DbResult<Blocks>;
    /// Stores a report.
    fn insert_report(&self, report: &NewReportRow) -> DbResult<()>;
    /// Reports, oldest first; only those not closed unless `all`.
    fn reports(&self, all: bool) -> DbResult<Vec<Report>>;
    /// Closes a report; `false` when there is no open report with this id.
    fn close_report(&self, id: kontor_protocol::ReportId, at: i64) -> DbResult<bool>;
}
