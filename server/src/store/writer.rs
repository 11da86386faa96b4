//! The single writer thread and its group commit.
//!
//! Every write goes through one thread that owns the write connection. It takes all commands that
//! queued up while the previous commit was being flushed, applies them in one transaction (each in
//! its own savepoint, so one refusal does not undo the others), commits once, and only then
//! acknowledges and publishes them, in order. Under load this turns many fsyncs into one; at rest a
//! lone message is committed at once.

use super::reads::Audience;
use super::{StoreError, inbox, media, now_ms, reads};
use crate::hub::{ConnId, Hub, Outbound, encode};
use kontor_protocol::business::InboxItem;
use kontor_protocol::media::Attachment;
use kontor_protocol::{
    AgentSignature, AttachmentId, Conversation, ConversationId, Handle, Message, MessageId, Pos,
    ReceiptKind, RequestId, Seq, ServerFrame, Timestamp, User, UserId,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 2048;
/// Conversations whose audiences are kept in memory before the cache is reset.
const AUDIENCE_CACHE: usize = 100_000;

/// Answer channel for commands issued by HTTP handlers.
pub type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// The connection a command came from; acks and errors go back to it.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Who sent it.
    pub user: UserId,
    /// On which connection.
    pub conn: ConnId,
}

/// A write, queued for the next group commit.
pub enum WriteCmd {
    /// Create an account.
    CreateUser {
        /// Validated handle.
        handle: Handle,
        /// Validated display name.
        display_name: String,
        /// argon2id PHC string.
        password_hash: String,
        /// Result.
        reply: Reply<User>,
    },
    /// Store a new login session.
    CreateSession {
        /// Whose.
        user: UserId,
        /// SHA-256 of the token.
        token_hash: [u8; 32],
        /// Expiry, ms since epoch.
        expires_at: i64,
        /// The session id.
        reply: Reply<Uuid>,
    },
    /// Revoke a session; answers its id if it was live.
    RevokeSession {
        /// SHA-256 of the token.
        token_hash: [u8; 32],
        /// The revoked session's id, if any.
        reply: Reply<Option<Uuid>>,
    },
    /// Find or create the direct chat with `handle`.
    StartChat {
        /// Requesting connection.
        origin: Origin,
        /// Echoed in the answer.
        request_id: RequestId,
        /// The peer.
        handle: Handle,
    },
    /// Store a message.
    Send {
        /// Sending connection.
        origin: Origin,
        /// Client-generated id.
        id: MessageId,
        /// Target.
        conversation_id: ConversationId,
        /// Validated text (the caption, possibly empty, when there is an attachment).
        body: String,
        /// A completed upload to put on the message.
        attachment: Option<AttachmentId>,
    },
    /// Move the sender's delivered/read marks.
    Receipt {
        /// Reporting connection.
        origin: Origin,
        /// Which conversation.
        conversation_id: ConversationId,
        /// Delivered or read.
        kind: ReceiptKind,
        /// Up to.
        seq: Seq,
    },
    /// Any other write: a closure run inside the group commit (see [`super::Store::transact`]).
    Transact(Work),
}

/// A closure run by [`WriteCmd::Transact`]: whether to keep its writes, and what to do after.
pub type Work = Box<dyn for<'a> FnOnce(&mut Tx<'a>) -> (bool, Finish) + Send>;

/// Something to do after a successful commit (publish events, close connections).
pub type AfterCommit = Box<dyn FnOnce(&Hub) + Send>;

/// What to do once the batch's fate is known: `true` when it was committed.
pub type Finish = Box<dyn FnOnce(&Hub, bool) + Send>;

/// What a [`WriteCmd::Transact`] closure works with: the write connection inside the current
/// transaction, event positions, and effects to run only after the commit.
pub struct Tx<'a> {
    /// The write connection, inside a savepoint of the batch's transaction.
    pub conn: &'a Connection,
    state: &'a mut State,
    effects: Vec<AfterCommit>,
}

impl Tx<'_> {
    /// The next event position (for rows clients resume from).
    pub fn take_pos(&mut self) -> Pos {
        self.state.take_pos()
    }

    /// Who may act in a conversation (cached).
    pub fn audience(&mut self, id: ConversationId) -> Result<Arc<Audience>, StoreError> {
        self.state.audience(self.conn, id)
    }

    /// Forgets cached audiences, after a team changed.
    pub fn forget_audiences(&mut self) {
        self.state.audiences.clear();
    }

    /// Runs `effect` after the commit succeeded (publishing events, closing connections).
    pub fn after_commit(&mut self, effect: impl FnOnce(&Hub) + Send + 'static) {
        self.effects.push(Box::new(effect));
    }

    pub(super) fn take_effects(&mut self) -> Vec<AfterCommit> {
        std::mem::take(&mut self.effects)
    }
}

/// Writer-thread state kept across batches.
pub struct State {
    next_pos: u64,
    audiences: HashMap<ConversationId, Arc<Audience>>,
}

impl State {
    fn take_pos(&mut self) -> Pos {
        let pos = Pos(self.next_pos);
        self.next_pos += 1;
        pos
    }

    fn audience(
        &mut self,
        conn: &Connection,
        id: ConversationId,
    ) -> Result<Arc<Audience>, StoreError> {
        if let Some(m) = self.audiences.get(&id) {
            return Ok(m.clone());
        }
        let audience = Arc::new(reads::audience(conn, id)?);
        if !audience.members.is_empty() {
            if self.audiences.len() >= AUDIENCE_CACHE {
                self.audiences.clear();
            }
            self.audiences.insert(id, audience.clone());
        }
        Ok(audience)
    }
}

/// Starts the writer thread.
pub fn spawn(
    conn: Connection,
    rx: mpsc::Receiver<WriteCmd>,
    hub: Arc<Hub>,
    committed: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let state = State {
        next_pos: committed.load(Ordering::Acquire) + 1,
        audiences: HashMap::new(),
    };
    std::thread::Builder::new()
        .name("kontor-writer".into())
        .spawn(move || run(conn, rx, hub, committed, state))?;
    Ok(())
}

fn run(
    mut conn: Connection,
    mut rx: mpsc::Receiver<WriteCmd>,
    hub: Arc<Hub>,
    committed: Arc<AtomicU64>,
    mut state: State,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let first_pos = state.next_pos;
        let mut finishes = Vec::with_capacity(batch.len());
        let outcome = commit_batch(&mut conn, &mut state, &mut batch, &mut finishes);
        let ok = match outcome {
            Ok(()) => {
                // Publish the new high-water mark before fan-out: a connection that registers
                // meanwhile either reads it and catches up from the database, or gets the event.
                committed.store(state.next_pos - 1, Ordering::Release);
                true
            }
            Err(e) => {
                tracing::error!("group commit failed: {e}");
                state.next_pos = first_pos;
                state.audiences.clear();
                false
            }
        };
        for finish in finishes.drain(..) {
            finish(&hub, ok);
        }
        // Commands never applied (the transaction could not even start) fail too.
        for cmd in batch.drain(..) {
            fail(cmd, &hub);
        }
    }
}

fn commit_batch(
    conn: &mut Connection,
    state: &mut State,
    batch: &mut Vec<WriteCmd>,
    finishes: &mut Vec<Finish>,
) -> rusqlite::Result<()> {
    let mut tx = conn.transaction()?;
    for cmd in batch.drain(..) {
        let mut sp = tx.savepoint()?;
        let (keep, finish) = apply(&sp, state, cmd);
        if keep {
            sp.commit()?;
        } else {
            sp.rollback()?;
        }
        finishes.push(finish);
    }
    tx.commit()
}

/// Where a session command's answer goes.
#[derive(Clone, Copy)]
struct Ctx {
    origin: Origin,
    message_id: Option<MessageId>,
    request_id: Option<RequestId>,
}

/// Applies one command; returns whether to keep its writes and what to do after the commit.
fn apply(conn: &Connection, state: &mut State, cmd: WriteCmd) -> (bool, Finish) {
    let (ctx, result) = match cmd {
        WriteCmd::Transact(work) => {
            let start = state.next_pos;
            let mut tx = Tx {
                conn,
                state,
                effects: Vec::new(),
            };
            let (keep, finish) = work(&mut tx);
            if !keep {
                state.next_pos = start;
            }
            return (keep, finish);
        }
        WriteCmd::CreateUser {
            handle,
            display_name,
            password_hash,
            reply,
        } => {
            return reply_with(
                reply,
                create_user(conn, handle, display_name, &password_hash),
            );
        }
        WriteCmd::CreateSession {
            user,
            token_hash,
            expires_at,
            reply,
        } => return reply_with(reply, create_session(conn, user, &token_hash, expires_at)),
        WriteCmd::RevokeSession { token_hash, reply } => {
            return reply_with(reply, revoke_session(conn, &token_hash));
        }
        WriteCmd::StartChat {
            origin,
            request_id,
            handle,
        } => (
            Ctx {
                origin,
                message_id: None,
                request_id: Some(request_id),
            },
            start_chat(conn, state, origin, &handle),
        ),
        WriteCmd::Send {
            origin,
            id,
            conversation_id,
            body,
            attachment,
        } => (
            Ctx {
                origin,
                message_id: Some(id),
                request_id: None,
            },
            send(conn, state, origin, id, conversation_id, body, attachment),
        ),
        WriteCmd::Receipt {
            origin,
            conversation_id,
            kind,
            seq,
        } => (
            Ctx {
                origin,
                message_id: None,
                request_id: None,
            },
            receipt(conn, state, origin, conversation_id, kind, seq),
        ),
    };
    (result.is_ok(), publish_after_commit(ctx, result))
}

/// Answers a command that never reached the database.
fn fail(cmd: WriteCmd, hub: &Hub) {
    match cmd {
        WriteCmd::CreateUser { reply, .. } => drop(reply.send(Err(StoreError::WriterGone))),
        WriteCmd::CreateSession { reply, .. } => drop(reply.send(Err(StoreError::WriterGone))),
        WriteCmd::RevokeSession { reply, .. } => drop(reply.send(Err(StoreError::WriterGone))),
        WriteCmd::StartChat {
            origin, request_id, ..
        } => publish_after_commit(
            Ctx {
                origin,
                message_id: None,
                request_id: Some(request_id),
            },
            Err(StoreError::WriterGone),
        )(hub, false),
        WriteCmd::Send { origin, id, .. } => publish_after_commit(
            Ctx {
                origin,
                message_id: Some(id),
                request_id: None,
            },
            Err(StoreError::WriterGone),
        )(hub, false),
        // Dropping the closure drops its reply channel: the caller learns the writer is gone.
        WriteCmd::Receipt { .. } | WriteCmd::Transact(_) => {}
    }
}

fn reply_with<T: Send + 'static>(reply: Reply<T>, result: Result<T, StoreError>) -> (bool, Finish) {
    let keep = result.is_ok();
    let finish: Finish = Box::new(move |_, committed| {
        let result = if committed || result.is_err() {
            result
        } else {
            Err(StoreError::WriterGone)
        };
        let _ = reply.send(result);
    });
    (keep, finish)
}

/// What a session command produced, published after the commit.
enum Effect {
    /// New or existing chat for the requester; new chats also go to the peer.
    Chat {
        pos: Pos,
        created: bool,
        conversation: Box<Conversation>,
        audience: Arc<Audience>,
    },
    /// A message was stored now (`fresh`) or earlier (a resend, acknowledged again).
    Stored(Box<Stored>),
    /// Receipt marks moved (`None`: they were already there).
    Receipt(Option<Box<Moved>>),
}

/// Receipt marks that moved: the frame, who gets it, and the inbox state it changed.
type Moved = (ServerFrame, Arc<Audience>, Option<InboxItem>);

/// A stored message and what it set off.
struct Stored {
    /// As the team sees it (with the writing agent).
    message: Message,
    /// As the conversation's members see it.
    for_members: Message,
    audience: Arc<Audience>,
    fresh: bool,
    /// Greeting and away messages the business sent in reply.
    auto_replies: Vec<Message>,
    /// The customer conversation's new inbox state.
    item: Option<InboxItem>,
}

fn publish_after_commit(ctx: Ctx, result: Result<Effect, StoreError>) -> Finish {
    Box::new(move |hub: &Hub, committed: bool| {
        let origin = ctx.origin;
        let to_origin = |frame: &ServerFrame| {
            hub.send_to(origin.user, origin.conn, Outbound::Frame(encode(frame)));
        };
        let event = |pos: Pos, frame: &ServerFrame| Outbound::Event {
            pos,
            text: encode(frame),
        };
        let result = match result {
            Ok(_) if !committed => Err(StoreError::WriterGone),
            other => other,
        };
        match result {
            Ok(Effect::Chat {
                pos,
                created,
                conversation,
                audience,
            }) => {
                if created {
                    let frame = ServerFrame::Conversation {
                        pos,
                        conversation: (*conversation).clone(),
                    };
                    hub.publish(
                        &audience.member_people(),
                        event(pos, &frame),
                        Some(origin.conn),
                    );
                }
                to_origin(&ServerFrame::ChatStarted {
                    request_id: ctx.request_id.unwrap_or_default(),
                    // An existing chat moves no cursor: its events were delivered already.
                    pos: if created { pos } else { Pos(0) },
                    conversation: *conversation,
                });
            }
            Ok(Effect::Stored(stored)) => {
                let Stored {
                    message,
                    for_members,
                    audience,
                    fresh,
                    auto_replies,
                    item,
                } = *stored;
                to_origin(&ServerFrame::Ack {
                    id: message.id,
                    conversation_id: message.conversation_id,
                    seq: message.seq,
                    pos: message.pos,
                    sent_at: message.sent_at,
                });
                if fresh {
                    let people = audience.member_people();
                    if let Some(out) = Outbound::messages(&[for_members]) {
                        hub.publish(&people, out, Some(origin.conn));
                    }
                    if !audience.team.is_empty()
                        && let Some(out) = Outbound::messages(&[message])
                    {
                        hub.publish(&audience.team, out, Some(origin.conn));
                    }
                    if let Some(out) = Outbound::messages(&auto_replies) {
                        let mut everyone = people;
                        everyone.extend_from_slice(&audience.team);
                        hub.publish(&everyone, out, None);
                    }
                    if let Some(item) = item {
                        let frame = ServerFrame::InboxItem { item };
                        hub.publish(&audience.team, Outbound::Frame(encode(&frame)), None);
                    }
                }
            }
            Ok(Effect::Receipt(Some(moved))) => {
                let (frame, audience, item) = *moved;
                let pos = frame.pos().unwrap_or_default();
                let mut everyone = audience.member_people();
                everyone.extend_from_slice(&audience.team);
                hub.publish(&everyone, event(pos, &frame), None);
                if let Some(item) = item {
                    let frame = ServerFrame::InboxItem { item };
                    hub.publish(&audience.team, Outbound::Frame(encode(&frame)), None);
                }
            }
            Ok(Effect::Receipt(None)) => {}
            Err(e) => {
                let (code, message) = e.wire();
                to_origin(&ServerFrame::Error {
                    code,
                    message,
                    message_id: ctx.message_id,
                    request_id: ctx.request_id,
                });
            }
        }
    })
}

fn create_user(
    conn: &Connection,
    handle: Handle,
    display_name: String,
    password_hash: &str,
) -> Result<User, StoreError> {
    if reads::user_by_handle(conn, &handle)?.is_some() {
        return Err(StoreError::HandleTaken);
    }
    let user = User::person(UserId::new(), handle, display_name);
    conn.execute(
        "INSERT INTO users (id, handle, display_name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.id.0,
            user.handle.as_str(),
            user.display_name,
            password_hash,
            now_ms()
        ],
    )?;
    Ok(user)
}

fn create_session(
    conn: &Connection,
    user: UserId,
    token_hash: &[u8; 32],
    expires_at: i64,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO sessions (token_hash, id, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![&token_hash[..], id, user.0, now_ms(), expires_at],
    )?;
    Ok(id)
}

fn revoke_session(conn: &Connection, token_hash: &[u8; 32]) -> Result<Option<Uuid>, StoreError> {
    Ok(conn
        .query_row(
            "UPDATE sessions SET revoked_at = ?2
             WHERE token_hash = ?1 AND revoked_at IS NULL RETURNING id",
            params![&token_hash[..], now_ms()],
            |r| r.get(0),
        )
        .optional()?)
}

fn start_chat(
    conn: &Connection,
    state: &mut State,
    origin: Origin,
    handle: &Handle,
) -> Result<Effect, StoreError> {
    let peer = reads::user_by_handle(conn, handle)?.ok_or(StoreError::UnknownHandle)?;
    if peer.id == origin.user {
        return Err(StoreError::Invalid("you cannot start a chat with yourself"));
    }
    let business = peer.business.is_some().then_some(peer.id);
    if let Some(b) = business
        && reads::team_ids(conn, kontor_protocol::BusinessId(b.0))?.contains(&origin.user)
    {
        return Err(StoreError::Invalid(
            "You are on this business's team: answer its customers from the business inbox.",
        ));
    }
    let (a, b) = if origin.user < peer.id {
        (origin.user, peer.id)
    } else {
        (peer.id, origin.user)
    };
    let key = format!("{a}:{b}");
    let existing: Option<Uuid> = conn
        .query_row(
            "SELECT id FROM conversations WHERE direct_key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    let (id, created, pos) = match existing {
        Some(id) => (ConversationId(id), false, Pos(0)),
        None => {
            let id = ConversationId::new();
            let pos = Pos(state.next_pos);
            conn.execute(
                "INSERT INTO conversations
                     (id, kind, direct_key, created_at, created_pos, business_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.0,
                    if business.is_some() {
                        "business"
                    } else {
                        "direct"
                    },
                    key,
                    now_ms(),
                    pos.0 as i64,
                    business.map(|b| b.0)
                ],
            )?;
            let mut add = conn.prepare_cached(
                "INSERT INTO members (user_id, conversation_id, updated_pos) VALUES (?1, ?2, ?3)",
            )?;
            for user in [a, b] {
                add.execute(params![user.0, id.0, pos.0 as i64])?;
            }
            state.take_pos();
            (id, true, pos)
        }
    };
    let conversation = reads::conversation(conn, id)?.ok_or(StoreError::NotFound)?;
    let audience = state.audience(conn, id)?;
    Ok(Effect::Chat {
        pos,
        created,
        conversation: Box::new(conversation),
        audience,
    })
}

/// The first word of a display name: what customers may see of an agent.
fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .unwrap_or(display_name)
        .to_owned()
}

fn send(
    conn: &Connection,
    state: &mut State,
    origin: Origin,
    id: MessageId,
    conversation_id: ConversationId,
    body: String,
    attachment: Option<AttachmentId>,
) -> Result<Effect, StoreError> {
    let audience = state.audience(conn, conversation_id)?;
    let party = audience.party_of(origin.user).ok_or(StoreError::NotFound)?;
    let agent = audience.is_team(origin.user);
    if let Some(existing) = reads::message_by_id(conn, id)? {
        // A resend after a lost ack: the same ack again, nothing stored or delivered twice.
        let same = existing.sender == party
            && existing.conversation_id == conversation_id
            && existing.body == body
            && existing.attachment.as_ref().map(|a| a.id) == attachment
            && existing.agent.as_ref().and_then(|a| a.id) == agent.then_some(origin.user);
        if !same {
            return Err(StoreError::Conflict);
        }
        return Ok(Effect::Stored(Box::new(Stored {
            for_members: existing.clone(),
            message: existing,
            audience,
            fresh: false,
            auto_replies: Vec::new(),
            item: None,
        })));
    }
    let attachment = attachment
        .map(|a| media::sendable(conn, &audience, origin.user, conversation_id, a))
        .transpose()?;
    let (signature, shown) = if agent {
        let (name, shown): (String, bool) = conn.query_row(
            "SELECT u.display_name, b.show_agent_names FROM users u, businesses b
             WHERE u.id = ?1 AND b.id = ?2",
            params![origin.user.0, party.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        (
            Some(AgentSignature {
                id: Some(origin.user),
                name: first_name(&name),
            }),
            shown,
        )
    } else {
        (None, false)
    };
    let message = insert_message(
        conn,
        state,
        id,
        conversation_id,
        party,
        body,
        attachment,
        signature,
        shown,
    )?;
    let mut for_members = message.clone();
    for_members.agent = match (&message.agent, shown) {
        (Some(a), true) => Some(AgentSignature {
            id: None,
            name: a.name.clone(),
        }),
        _ => None,
    };
    let (auto_replies, item) = match audience.business {
        Some(business) if party == origin.user => {
            let autos = inbox::on_customer_message(conn, business, &message)?;
            let mut stored = Vec::with_capacity(autos.len());
            for text in autos {
                stored.push(insert_message(
                    conn,
                    state,
                    MessageId::new(),
                    conversation_id,
                    business.into(),
                    text,
                    None,
                    None,
                    false,
                )?);
            }
            (stored, inbox::item(conn, conversation_id)?)
        }
        Some(_) => {
            inbox::on_business_message(conn, &message)?;
            (Vec::new(), inbox::item(conn, conversation_id)?)
        }
        None => (Vec::new(), None),
    };
    Ok(Effect::Stored(Box::new(Stored {
        message,
        for_members,
        audience,
        fresh: true,
        auto_replies,
        item,
    })))
}

/// Appends a message to a conversation at the next seq and event position.
#[allow(clippy::too_many_arguments)]
fn insert_message(
    conn: &Connection,
    state: &mut State,
    id: MessageId,
    conversation_id: ConversationId,
    sender: UserId,
    body: String,
    attachment: Option<Attachment>,
    agent: Option<AgentSignature>,
    agent_shown: bool,
) -> Result<Message, StoreError> {
    let seq: i64 = conn.query_row(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        [conversation_id.0],
        |r| r.get(0),
    )?;
    let message = Message {
        id,
        conversation_id,
        seq: Seq(seq as u64),
        pos: Pos(state.next_pos),
        sender,
        body,
        sent_at: Timestamp(now_ms()),
        agent,
        attachment,
    };
    conn.prepare_cached(
        "INSERT INTO messages
             (pos, id, conversation_id, seq, sender_id, body, sent_at, agent_id, agent_name,
              agent_shown, attachment_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        message.pos.0 as i64,
        message.id.0,
        conversation_id.0,
        seq,
        sender.0,
        message.body,
        message.sent_at.0,
        message.agent.as_ref().and_then(|a| a.id).map(|u| u.0),
        message.agent.as_ref().map(|a| a.name.as_str()),
        agent_shown,
        message.attachment.as_ref().map(|a| a.id.0),
    ])?;
    state.take_pos();
    Ok(message)
}

fn receipt(
    conn: &Connection,
    state: &mut State,
    origin: Origin,
    conversation_id: ConversationId,
    kind: ReceiptKind,
    seq: Seq,
) -> Result<Effect, StoreError> {
    let audience = state.audience(conn, conversation_id)?;
    let party = audience.party_of(origin.user).ok_or(StoreError::NotFound)?;
    let (delivered, read, last): (i64, i64, i64) = conn.query_row(
        "SELECT m.delivered_seq, m.read_seq, c.last_seq FROM members m
         JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ?1 AND m.conversation_id = ?2",
        params![party.0, conversation_id.0],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // Marks only move forward and never past the newest message.
    let seq = (seq.0 as i64).min(last);
    let new_read = if kind == ReceiptKind::Read {
        read.max(seq)
    } else {
        read
    };
    let new_delivered = delivered.max(seq).max(new_read);
    if (new_delivered, new_read) == (delivered, read) {
        return Ok(Effect::Receipt(None));
    }
    let pos = Pos(state.next_pos);
    conn.execute(
        "UPDATE members SET delivered_seq = ?3, read_seq = ?4, updated_pos = ?5
         WHERE user_id = ?1 AND conversation_id = ?2",
        params![
            party.0,
            conversation_id.0,
            new_delivered,
            new_read,
            pos.0 as i64
        ],
    )?;
    state.take_pos();
    let frame = ServerFrame::Receipt {
        pos,
        conversation_id,
        user_id: party,
        delivered: Seq(new_delivered as u64),
        read: Seq(new_read as u64),
    };
    let item = match audience.business {
        Some(_) if new_read != read => inbox::item(conn, conversation_id)?,
        _ => None,
    };
    Ok(Effect::Receipt(Some(Box::new((frame, audience, item)))))
}
