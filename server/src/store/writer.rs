//! The single writer thread and its group commit.
//!
//! Every write goes through one thread that owns the write connection. It takes all commands that
//! queued up while the previous commit was being flushed, applies them in one transaction (each in
//! its own savepoint, so one refusal does not undo the others), commits once, and only then
//! acknowledges and publishes them, in order. Under load this turns many fsyncs into one; at rest a
//! lone message is committed at once.

use super::{StoreError, now_ms, reads};
use crate::hub::{ConnId, Hub, Outbound, encode};
use kontor_protocol::{
    Conversation, ConversationId, Handle, Message, MessageId, Pos, ReceiptKind, RequestId, Seq,
    ServerFrame, Timestamp, User, UserId,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 2048;
/// Conversations whose member lists are kept in memory before the cache is reset.
const MEMBER_CACHE: usize = 100_000;

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
        /// Validated text.
        body: String,
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
}

/// What to do once the batch's fate is known: `true` when it was committed.
type Finish = Box<dyn FnOnce(&Hub, bool) + Send>;

struct State {
    next_pos: u64,
    members: HashMap<ConversationId, Arc<Vec<UserId>>>,
}

impl State {
    fn take_pos(&mut self) -> Pos {
        let pos = Pos(self.next_pos);
        self.next_pos += 1;
        pos
    }

    fn members(
        &mut self,
        conn: &Connection,
        id: ConversationId,
    ) -> Result<Arc<Vec<UserId>>, StoreError> {
        if let Some(m) = self.members.get(&id) {
            return Ok(m.clone());
        }
        let ids = Arc::new(reads::member_ids(conn, id)?);
        if !ids.is_empty() {
            if self.members.len() >= MEMBER_CACHE {
                self.members.clear();
            }
            self.members.insert(id, ids.clone());
        }
        Ok(ids)
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
        members: HashMap::new(),
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
                state.members.clear();
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
        } => (
            Ctx {
                origin,
                message_id: Some(id),
                request_id: None,
            },
            send(conn, state, origin, id, conversation_id, body),
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
        WriteCmd::Receipt { .. } => {}
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
        conversation: Conversation,
    },
    /// A message was stored now (`fresh`) or earlier (a resend, acknowledged again).
    Stored {
        message: Message,
        members: Arc<Vec<UserId>>,
        fresh: bool,
    },
    /// Receipt marks moved (`None`: they were already there).
    Receipt(Option<(ServerFrame, Arc<Vec<UserId>>)>),
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
            }) => {
                if created {
                    let members: Vec<UserId> =
                        conversation.members.iter().map(|m| m.user.id).collect();
                    let frame = ServerFrame::Conversation {
                        pos,
                        conversation: conversation.clone(),
                    };
                    hub.publish(&members, event(pos, &frame), Some(origin.conn));
                }
                to_origin(&ServerFrame::ChatStarted {
                    request_id: ctx.request_id.unwrap_or_default(),
                    // An existing chat moves no cursor: its events were delivered already.
                    pos: if created { pos } else { Pos(0) },
                    conversation,
                });
            }
            Ok(Effect::Stored {
                message,
                members,
                fresh,
            }) => {
                to_origin(&ServerFrame::Ack {
                    id: message.id,
                    conversation_id: message.conversation_id,
                    seq: message.seq,
                    pos: message.pos,
                    sent_at: message.sent_at,
                });
                if fresh {
                    let pos = message.pos;
                    let frame = ServerFrame::Messages {
                        messages: vec![message],
                    };
                    hub.publish(&members, event(pos, &frame), Some(origin.conn));
                }
            }
            Ok(Effect::Receipt(Some((frame, members)))) => {
                let pos = frame.pos().unwrap_or_default();
                hub.publish(&members, event(pos, &frame), None);
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
    let user = User {
        id: UserId::new(),
        handle,
        display_name,
    };
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
                "INSERT INTO conversations (id, kind, direct_key, created_at, created_pos)
                 VALUES (?1, 'direct', ?2, ?3, ?4)",
                params![id.0, key, now_ms(), pos.0 as i64],
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
    Ok(Effect::Chat {
        pos,
        created,
        conversation,
    })
}

fn send(
    conn: &Connection,
    state: &mut State,
    origin: Origin,
    id: MessageId,
    conversation_id: ConversationId,
    body: String,
) -> Result<Effect, StoreError> {
    let members = state.members(conn, conversation_id)?;
    if !members.contains(&origin.user) {
        return Err(StoreError::NotFound);
    }
    if let Some(existing) = reads::message_by_id(conn, id)? {
        // A resend after a lost ack: the same ack again, nothing stored or delivered twice.
        let same = existing.sender == origin.user
            && existing.conversation_id == conversation_id
            && existing.body == body;
        if !same {
            return Err(StoreError::Conflict);
        }
        return Ok(Effect::Stored {
            message: existing,
            members,
            fresh: false,
        });
    }
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
        sender: origin.user,
        body,
        sent_at: Timestamp(now_ms()),
    };
    conn.prepare_cached(
        "INSERT INTO messages (pos, id, conversation_id, seq, sender_id, body, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        message.pos.0 as i64,
        id.0,
        conversation_id.0,
        seq,
        origin.user.0,
        message.body,
        message.sent_at.0
    ])?;
    state.take_pos();
    Ok(Effect::Stored {
        message,
        members,
        fresh: true,
    })
}

fn receipt(
    conn: &Connection,
    state: &mut State,
    origin: Origin,
    conversation_id: ConversationId,
    kind: ReceiptKind,
    seq: Seq,
) -> Result<Effect, StoreError> {
    let members = state.members(conn, conversation_id)?;
    if !members.contains(&origin.user) {
        return Err(StoreError::NotFound);
    }
    let (delivered, read, last): (i64, i64, i64) = conn.query_row(
        "SELECT m.delivered_seq, m.read_seq, c.last_seq FROM members m
         JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ?1 AND m.conversation_id = ?2",
        params![origin.user.0, conversation_id.0],
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
            origin.user.0,
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
        user_id: origin.user,
        delivered: Seq(new_delivered as u64),
        read: Seq(new_read as u64),
    };
    Ok(Effect::Receipt(Some((frame, members))))
}
