//! One authenticated WebSocket session, generic over the socket's sink and stream so tests can
//! drive it with plain channels.
//!
//! The loop and the dispatch of incoming frames; what goes out (catch-up, packing of queued
//! messages, write deadlines) is in `outgoing.rs`, team frames in `team.rs`.

use crate::db::{AuthSession, Work};
use crate::hub::encode;
use crate::limits::{AddressSlot, FrameBucket, LimitKind, Limited};
use crate::service::{Origin, ServiceError, accounts, inbox, messaging};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use kontor_protocol::close;
use kontor_protocol::limits::{MAX_FRAME_BYTES, SYNC_FRAME_BYTES};
use kontor_protocol::packed::{encode_messages, newest_within};
use kontor_protocol::text::check_body;
use kontor_protocol::{
    ClientFrame, ConversationId, ErrorCode, Handle, Pos, RequestId, Seq, ServerFrame, User,
};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::{Instant, sleep_until};

/// The first frame must arrive within this time.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that says nothing for this long is gone (clients ping every 20 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Invalid frames tolerated before the connection is closed.
const MAX_STRIKES: u32 = 10;
/// Typing notices relayed per conversation at most this often.
const TYPING_INTERVAL: Duration = Duration::from_millis(1500);
/// How long a client refused for having too many connections waits before trying again.
const CONNECTIONS_RETRY: Duration = Duration::from_secs(30);

/// Runs a connection from its first frame to its end. `_address` holds the connection's place
/// among its address's connections until it ends.
pub async fn run<S, R, E>(state: AppState, mut sink: S, mut stream: R, _address: AddressSlot)
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, E>> + Unpin,
{
    let write_timeout = Duration::from_secs(state.config.limits.slow_client_secs);
    // The steps of a connection are boxed while they run: an idle connection's task then holds
    // only the loop's own state (2 KiB instead of 7 KiB, most connections being idle).
    let Some((auth, since)) = Box::pin(authenticate(&state, &mut sink, &mut stream)).await else {
        return;
    };
    let Some(mut reg) = state.hub.register(auth.user.id, auth.session_id) else {
        let refusal = ServiceError::RateLimited(Limited {
            what: LimitKind::ConnectionsOfAccount,
            retry_after: CONNECTIONS_RETRY,
        });
        let frame = Message::Text(encode(&refusal.frame(None, None)));
        let close = Message::Close(Some(CloseFrame {
            code: close::TRY_AGAIN,
            reason: Utf8Bytes::from_static("too many connections"),
        }));
        let _ = tokio::time::timeout(write_timeout, async {
            let _ = sink.send(frame).await;
            let _ = sink.send(close).await;
        })
        .await;
        return;
    };
    let mut session = Session {
        origin: Origin {
            user: auth.user.id,
            conn: reg.id,
        },
        me: auth.user.clone(),
        frames: state.guards.frames(),
        state,
        sink,
        write_timeout,
        unflushed: 0,
        strikes: 0,
        last_typing: HashMap::new(),
    };
    if session
        .send(&ServerFrame::Ready {
            user: auth.user.clone(),
        })
        .await
        .is_err()
    {
        return;
    }
    // Everything committed up to `high` comes from the database; later events from the hub.
    let high = Pos(session.state.db.committed_pos());
    if Box::pin(session.catch_up(&auth.user, since, high))
        .await
        .is_err()
    {
        return;
    }

    let mut deadline = Instant::now() + IDLE_TIMEOUT;
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(msg)) => {
                    deadline = Instant::now() + IDLE_TIMEOUT;
                    if Box::pin(session.handle(msg)).await.is_err() {
                        break;
                    }
                }
                _ => break,
            },
            out = reg.recv() => {
                let Some(out) = out else {
                    // Dropped by the hub: this connection fell too far behind. The client
                    // reconnects and resumes from its cursor.
                    session.close(close::TRY_AGAIN, "too far behind, reconnect").await;
                    break;
                };
                if Box::pin(session.deliver(out, &mut reg, high)).await.is_err() {
                    break;
                }
            }
            _ = sleep_until(deadline) => {
                session.close(close::AWAY, "idle").await;
                break;
            }
        }
    }
}

/// Reads the `hello` frame and checks its token.
async fn authenticate<S, R, E>(
    state: &AppState,
    sink: &mut S,
    stream: &mut R,
) -> Option<(AuthSession, Pos)>
where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, E>> + Unpin,
{
    let first = tokio::time::timeout(AUTH_TIMEOUT, stream.next()).await;
    let hello = match first {
        Ok(Some(Ok(Message::Text(text)))) if text.len() <= MAX_FRAME_BYTES => {
            serde_json::from_str::<ClientFrame>(&text).ok()
        }
        _ => None,
    };
    let Some(ClientFrame::Hello { token, since }) = hello else {
        refuse(sink, "The first frame must be hello with a session token.").await;
        return None;
    };
    let hash = crate::auth::token_hash(&token);
    let found = state
        .db
        .read(move |d| accounts::live_session(d, &hash))
        .await;
    match found {
        Ok(Some(s)) => Some((s, since)),
        Ok(_) => {
            refuse(sink, "Your session has ended. Please log in again.").await;
            None
        }
        Err(e) => {
            tracing::error!("session lookup failed: {e}");
            let frame = ServerFrame::error(ErrorCode::Unavailable, "Please try again shortly.");
            let _ = sink.send(Message::Text(encode(&frame))).await;
            None
        }
    }
}

/// Tells the client its token is not accepted, and closes.
async fn refuse<S: Sink<Message> + Unpin>(sink: &mut S, message: &'static str) {
    let frame = ServerFrame::error(ErrorCode::Unauthorized, message);
    let _ = sink.send(Message::Text(encode(&frame))).await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: close::UNAUTHORIZED,
            reason: Utf8Bytes::from_static("unauthorized"),
        })))
        .await;
}

/// One authenticated connection's state.
pub(super) struct Session<S> {
    pub(super) state: AppState,
    pub(super) sink: S,
    pub(super) origin: Origin,
    /// The authenticated user.
    pub(super) me: User,
    /// This connection's frame rate.
    frames: FrameBucket,
    /// How long the client may take to take what is written to it.
    pub(super) write_timeout: Duration,
    /// Bytes fed to the socket since the last flush.
    pub(super) unflushed: usize,
    strikes: u32,
    last_typing: HashMap<ConversationId, Instant>,
}

/// The socket is gone or the session must end.
pub(super) struct End;

impl<S: Sink<Message> + Unpin> Session<S> {
    async fn handle(&mut self, msg: Message) -> Result<(), End> {
        let text = match msg {
            Message::Text(text) => text,
            Message::Binary(_) => {
                return self
                    .strike(ErrorCode::Malformed, "Frames are JSON text.".into())
                    .await;
            }
            Message::Close(_) => return Err(End),
            // Pings are answered by the WebSocket layer.
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
        };
        if text.len() > MAX_FRAME_BYTES {
            let message = format!("Frames are at most {} KiB.", MAX_FRAME_BYTES / 1024);
            return self.strike(ErrorCode::TooLarge, message).await;
        }
        let frame = match serde_json::from_str::<ClientFrame>(&text) {
            Ok(frame) => frame,
            Err(e) => {
                let message = format!("That frame is not valid Kontor protocol: {e}.");
                return self.strike(ErrorCode::Malformed, message).await;
            }
        };
        if let Err(limited) = self.frames.frame() {
            let (message_id, request_id) = frame.about();
            return self.refuse(&limited.into(), message_id, request_id).await;
        }
        match frame {
            ClientFrame::Hello { .. } => {
                self.strike(ErrorCode::Invalid, "Already authenticated.".into())
                    .await
            }
            ClientFrame::Ping { nonce } => self.send(&ServerFrame::Pong { nonce }).await,
            ClientFrame::Send {
                id,
                conversation_id,
                body,
                attachment,
            } => {
                if let Err(refusal) = check_body(&body, attachment.is_some()) {
                    return self.refuse(&refusal.into(), Some(id), None).await;
                }
                if let Err(limited) = self.state.guards.message(self.origin.user) {
                    return self.refuse(&limited.into(), Some(id), None).await;
                }
                let hub = self.state.hub.clone();
                self.submit(messaging::send(
                    hub,
                    self.origin,
                    id,
                    conversation_id,
                    body,
                    attachment,
                ))
                .await
            }
            ClientFrame::StartChat { request_id, handle } => match Handle::parse(&handle) {
                Ok(handle) => {
                    let hub = self.state.hub.clone();
                    self.submit(messaging::start_chat(hub, self.origin, request_id, handle))
                        .await
                }
                Err(e) => {
                    self.send(&ServerFrame::Error {
                        code: ErrorCode::UnknownHandle,
                        message: format!("That is not a valid handle: {e}."),
                        message_id: None,
                        request_id: Some(request_id),
                        retry_after_ms: None,
                    })
                    .await
                }
            },
            ClientFrame::Receipt {
                conversation_id,
                kind,
                seq,
            } => {
                let hub = self.state.hub.clone();
                self.submit(messaging::receipt(
                    hub,
                    self.origin,
                    conversation_id,
                    kind,
                    seq,
                ))
                .await
            }
            ClientFrame::Typing { conversation_id } => self.typing(conversation_id).await,
            ClientFrame::History {
                request_id,
                conversation_id,
                before,
                limit,
            } => {
                self.history(request_id, conversation_id, before, limit)
                    .await
            }
            ClientFrame::Inbox {
                request_id,
                business,
                filter,
                before,
            } => self.inbox(request_id, business, filter, before).await,
            ClientFrame::Assign {
                request_id,
                conversation_id,
                assignee,
            } => {
                let (user, hub) = (self.origin.user, self.state.hub.clone());
                self.team_write(request_id, move |tx| {
                    inbox::assign(tx, &hub, user, conversation_id, assignee)
                })
                .await
            }
            ClientFrame::SetStatus {
                request_id,
                conversation_id,
                status,
                snooze,
            } => {
                let (user, hub) = (self.origin.user, self.state.hub.clone());
                self.team_write(request_id, move |tx| {
                    inbox::set_status(tx, &hub, user, conversation_id, status, snooze)
                })
                .await
            }
            ClientFrame::SetLabels {
                request_id,
                conversation_id,
                labels,
            } => {
                let (user, hub) = (self.origin.user, self.state.hub.clone());
                self.team_write(request_id, move |tx| {
                    inbox::set_labels(tx, &hub, user, conversation_id, &labels)
                })
                .await
            }
            ClientFrame::AddNote {
                id,
                conversation_id,
                body,
            } => self.add_note(id, conversation_id, body).await,
            ClientFrame::Notes {
                request_id,
                conversation_id,
            } => self.notes(request_id, conversation_id).await,
            ClientFrame::Customer {
                request_id,
                conversation_id,
            } => self.customer(request_id, conversation_id).await,
            ClientFrame::Activity {
                conversation_id,
                activity,
            } => self.activity(conversation_id, activity).await,
        }
    }

    /// Answers an invalid frame; too many of them end the connection.
    async fn strike(&mut self, code: ErrorCode, message: String) -> Result<(), End> {
        self.strikes += 1;
        self.send(&ServerFrame::error(code, message)).await?;
        if self.strikes >= MAX_STRIKES {
            self.close(close::POLICY, "too many invalid frames").await;
            return Err(End);
        }
        Ok(())
    }

    async fn submit(&mut self, work: Work) -> Result<(), End> {
        match self.state.db.submit(work).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let (code, message) = ServiceError::from(e).wire();
                self.send(&ServerFrame::error(code, message)).await
            }
        }
    }

    /// Older messages for a member; the same "not found" for everyone else.
    async fn history(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
        before: Seq,
        limit: u32,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let found = self
            .state
            .db
            .read(move |d| messaging::history(d, user, conversation_id, before, limit))
            .await;
        let frame = match found {
            Ok(mut messages) => {
                // The newest that fit one frame; the client asks again from the oldest it got.
                if let Ok(encoded) = encode_messages(&messages) {
                    let keep = newest_within(&encoded, SYNC_FRAME_BYTES);
                    messages.drain(..messages.len() - keep);
                }
                ServerFrame::History {
                    request_id,
                    conversation_id,
                    messages,
                }
            }
            Err(e) => e.frame(None, Some(request_id)),
        };
        self.send(&frame).await
    }

    async fn typing(&mut self, conversation_id: ConversationId) -> Result<(), End> {
        let now = Instant::now();
        if self
            .last_typing
            .get(&conversation_id)
            .is_some_and(|t| now.duration_since(*t) < TYPING_INTERVAL)
        {
            return Ok(());
        }
        self.last_typing.insert(conversation_id, now);
        // Read each time (at most every 1.5 s per conversation): a removed agent must stop at once.
        let user = self.origin.user;
        let audience = match self
            .state
            .db
            .read(move |d| messaging::typing_audience(d, user, conversation_id))
            .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("typing lookup failed: {e}");
                return Ok(());
            }
        };
        match messaging::typing(&self.state.hub, &audience, &self.me, conversation_id) {
            Ok(()) => Ok(()),
            Err(e) => {
                let (code, message) = e.wire();
                self.send(&ServerFrame::error(code, message)).await
            }
        }
    }
}
