//! Keeping the local database in step with the server: the one module with network side effects.
//!
//! [`Engine`] is what the UI talks to: it writes to IndexedDB first and lets the connection
//! manager ([`connection`]) deliver. The UI renders from IndexedDB and re-reads when
//! [`Engine::revision`] changes. Pages that follow live team frames hold a [`Watch`]
//! ([`Engine::watch_inbox`], [`Engine::watch_customer`]) instead of listening themselves.
//!
//! Slightly over 500 lines: the [`Engine`] struct and its core (start, leadership, sending,
//! requests) stay together; its other areas already live in their own files (events, team,
//! uploads, account and business HTTP calls, attachments' files).

pub mod account;
pub mod business;
mod connection;
mod error;
mod events;
mod http;
pub mod media;
mod presence;
pub mod reader;
pub mod safety;
mod tabs;
mod team;
mod uploads;
mod watch;

pub use error::{Invalid, Problem, SyncError, SyncResult};
pub use presence::{CustomerEvents, CustomerWatch, Presence};
pub use tabs::RelayError;
pub use uploads::NewFile;
pub use watch::{InboxEvents, Refused, Watch};

use crate::session::Auth;
use crate::store::{Db, OutboxRecord, StoreError};
use futures::channel::{mpsc, oneshot};
use kontor_protocol::text::{BodyError, check_body};
use kontor_protocol::{
    ClientFrame, ConversationId, MessageId, ReceiptKind, RequestId, Seq, SessionToken, User, UserId,
};
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tabs::{TabMessage, Tabs};

/// Connection state shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnStatus {
    /// Opening the socket or catching up.
    Connecting,
    /// Caught up and live.
    Online,
    /// No connection; retrying.
    Offline,
}

impl ConnStatus {
    /// The word shown in the status element.
    pub fn label(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "Connecting…",
            ConnStatus::Online => "Online",
            ConnStatus::Offline => "Offline",
        }
    }
}

/// Someone typing, until a time (ms since epoch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Typing {
    /// Where.
    pub conversation_id: ConversationId,
    /// Who.
    pub user_id: UserId,
    /// Shown until.
    pub until: f64,
}

/// How long a typing notice shows.
const TYPING_SHOWN_MS: f64 = 4_000.0;
/// The typing notices are pruned this long after they expire, so the timer never fires a hair
/// before the notice's end and leaves it showing.
const TYPING_PRUNE_SLACK_MS: u32 = 50;
/// How long a request over the connection waits for its answer before giving up
/// ([`SyncError::NoAnswer`]).
const REQUEST_TIMEOUT_MS: u32 = 15_000;
/// How often this client tells others it is typing.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// The answer to a request: the server's frame, or why there is none.
pub type Answer = Result<kontor_protocol::ServerFrame, SyncError>;

/// A callback for live team frames.
pub type Listener = Arc<dyn Fn(&kontor_protocol::ServerFrame) + Send + Sync>;

/// The client's messaging engine for one logged-in account.
pub struct Engine {
    /// Local database.
    pub db: Db,
    /// The logged-in user.
    pub me: User,
    token: SessionToken,
    /// Connection state.
    pub status: RwSignal<ConnStatus>,
    /// Bumped after every local database change the UI may show.
    pub revision: RwSignal<u64>,
    /// Who is typing where.
    pub typing: RwSignal<Vec<Typing>>,
    /// The conversation this tab last queued a message in, with a running count: the open
    /// conversation brings its reader back to the newest message, where it shows.
    pub sent: RwSignal<(Option<ConversationId>, u64)>,
    /// The server no longer accepts the token: the app logs out.
    pub session_ended: RwSignal<bool>,
    /// A problem worth telling the user (storage full, …).
    pub problem: RwSignal<Option<Problem>>,
    /// The conversation on screen, if any (its messages are marked read as they arrive).
    pub open_conversation: RwSignal<Option<ConversationId>>,
    /// Files uploading from this tab: bytes the server has, of how many.
    pub upload_progress: RwSignal<HashMap<MessageId, (u64, u64)>>,
    uploading: AtomicBool,
    uploads_again: AtomicBool,
    /// Encoded client frames for the connection (encoded by the tab that made them, so the leader
    /// relays other tabs' frames without decoding them).
    outgoing: mpsc::UnboundedSender<String>,
    wake: mpsc::UnboundedSender<()>,
    tabs: Tabs,
    /// This tab owns the connection (see [`tabs`]).
    leader: AtomicBool,
    /// Caught up and live: this tab's connection, or the leader's as it last said.
    online: AtomicBool,
    stopped: AtomicBool,
    /// Requests waiting for their answer (start chat, history, inbox pages …), by id.
    pending: Mutex<HashMap<RequestId, oneshot::Sender<Answer>>>,
    /// Who wants to hear live team frames (inbox changes, notes, activity).
    listeners: Mutex<Vec<(u64, Listener)>>,
    next_listener: std::sync::atomic::AtomicU64,
    last_typing: Mutex<HashMap<ConversationId, f64>>,
    /// When the UI was last told to re-read, and whether a later notice is already due.
    bumps: Arc<Mutex<Bumps>>,
}

/// See [`Engine::bump`].
#[derive(Default)]
struct Bumps {
    last_ms: f64,
    waiting: bool,
}

/// During a burst of changes the UI re-reads at most this often.
const BUMP_EVERY_MS: f64 = 150.0;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Engine {
    /// Opens the account's local database and joins the account's tabs; the tab that wins the
    /// leadership connects.
    pub async fn start(auth: Auth) -> Result<Arc<Engine>, StoreError> {
        let db = Db::open(auth.user.id).await?;
        let (outgoing, outgoing_rx) = mpsc::unbounded();
        let (wake, wake_rx) = mpsc::unbounded();
        let me = auth.user.id;
        let engine = Arc::new_cyclic(|weak: &Weak<Engine>| {
            let weak = weak.clone();
            Engine {
                db,
                me: auth.user,
                token: auth.token,
                status: RwSignal::new(ConnStatus::Connecting),
                revision: RwSignal::new(0),
                typing: RwSignal::new(Vec::new()),
                sent: RwSignal::new((None, 0)),
                session_ended: RwSignal::new(false),
                problem: RwSignal::new(None),
                open_conversation: RwSignal::new(None),
                upload_progress: RwSignal::new(HashMap::new()),
                uploading: AtomicBool::new(false),
                uploads_again: AtomicBool::new(false),
                outgoing,
                wake,
                tabs: Tabs::open(me, move |msg| {
                    if let Some(engine) = weak.upgrade() {
                        engine.on_tab_message(msg);
                    }
                }),
                leader: AtomicBool::new(false),
                online: AtomicBool::new(false),
                stopped: AtomicBool::new(false),
                pending: Mutex::new(HashMap::new()),
                listeners: Mutex::new(Vec::new()),
                next_listener: std::sync::atomic::AtomicU64::new(1),
                last_typing: Mutex::new(HashMap::new()),
                bumps: Arc::default(),
            }
        });
        engine.tabs.post(&TabMessage::Hello);
        let leader = engine.clone();
        tabs::request_leadership(me, move || {
            if leader.stopped.load(Ordering::Relaxed) {
                return;
            }
            leader.leader.store(true, Ordering::Relaxed);
            // Ask the browser not to clear our data under storage pressure.
            crate::pwa::persist_storage();
            leptos::task::spawn_local(connection::run(leader, outgoing_rx, wake_rx));
        });
        Ok(engine)
    }

    /// Whether this tab owns the connection.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    fn on_tab_message(self: &Arc<Self>, msg: TabMessage) {
        match msg {
            TabMessage::Changed => {
                self.revision.update(|r| *r += 1);
                if !self.is_leader()
                    && let Some(id) = self.open_conversation.get_untracked()
                {
                    let engine = self.clone();
                    leptos::task::spawn_local(async move {
                        if !crate::pwa::page_hidden() {
                            engine.mark_read(id).await;
                        }
                    });
                }
            }
            TabMessage::Status { online, connecting } if !self.is_leader() => {
                self.online.store(online, Ordering::Relaxed);
                self.status.set(match (online, connecting) {
                    (true, _) => ConnStatus::Online,
                    (false, true) => ConnStatus::Connecting,
                    _ => ConnStatus::Offline,
                });
            }
            TabMessage::Frame { text } if self.is_leader() => self.send_encoded(text),
            TabMessage::Typing {
                conversation_id,
                user_id,
            } if !self.is_leader() => self.show_typing(conversation_id, user_id),
            TabMessage::Live { frame } => self.hear(&frame),
            TabMessage::Uploads if self.is_leader() => self.resume_uploads(),
            TabMessage::Answer { request_id, result } => {
                let waiting = self
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&request_id);
                if let Some(tx) = waiting {
                    let _ = tx.send(result.map_err(SyncError::from));
                }
            }
            TabMessage::SessionEnded => self.session_ended.set(true),
            TabMessage::Hello if self.is_leader() => {
                self.tabs
                    .post(&TabMessage::status(self.status.get_untracked()));
            }
            _ => {}
        }
    }

    /// Sets the connection state here and tells the other tabs.
    fn set_status(&self, status: ConnStatus) {
        self.status.set(status);
        self.tabs.post(&TabMessage::status(status));
    }

    /// Shows that someone types, for a few seconds.
    fn show_typing(&self, conversation_id: ConversationId, user_id: UserId) {
        let until = now_ms() + TYPING_SHOWN_MS;
        self.typing.update(|t| {
            t.retain(|t| !(t.conversation_id == conversation_id && t.user_id == user_id));
            t.push(Typing {
                conversation_id,
                user_id,
                until,
            });
        });
        let typing = self.typing;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(TYPING_SHOWN_MS as u32 + TYPING_PRUNE_SLACK_MS)
                .await;
            let now = now_ms();
            let _ = typing.try_update(|t| t.retain(|t| t.until > now));
        });
    }

    /// Stops the connection for good (logout).
    pub fn shutdown(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.tabs.close();
        let _ = self.wake.unbounded_send(());
        self.db.close();
    }

    /// Tries to connect now instead of waiting for the backoff.
    pub fn reconnect_now(&self) {
        let _ = self.wake.unbounded_send(());
    }

    fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    /// The local database changed: this tab and the others re-read it. A burst (catch-up, a
    /// flood of live messages) is stored in many transactions, and every notice makes the chat
    /// list and the open conversation re-read: so at most one notice per [`BUMP_EVERY_MS`]. The
    /// first change of a burst shows at once and the last one always.
    fn bump(&self) {
        let notify = {
            let revision = self.revision;
            let tabs = self.tabs.clone();
            move || {
                revision.update(|r| *r += 1);
                tabs.post(&TabMessage::Changed);
            }
        };
        let Ok(mut bumps) = self.bumps.lock() else {
            return notify();
        };
        if bumps.waiting {
            return;
        }
        let now = now_ms();
        let wait = bumps.last_ms + BUMP_EVERY_MS - now;
        if wait <= 0.0 {
            bumps.last_ms = now;
            drop(bumps);
            return notify();
        }
        bumps.waiting = true;
        drop(bumps);
        let state = self.bumps.clone();
        gloo_timers::callback::Timeout::new(wait.ceil() as u32, move || {
            if let Ok(mut bumps) = state.lock() {
                bumps.waiting = false;
                bumps.last_ms = now_ms();
            }
            notify();
        })
        .forget();
    }

    fn report(&self, e: StoreError) {
        web_sys::console::error_1(&format!("Kontor storage: {e}").into());
        self.problem.set(Some(Problem::Storage(e)));
    }

    /// Sends a frame if connected; other tabs hand it to the leader. Messages need no retry
    /// here: they wait in the outbox and go out after the next catch-up.
    fn send_frame(&self, frame: ClientFrame) {
        if let Some(text) = encode(&frame) {
            self.send_encoded(text);
        }
    }

    /// Queues a frame on this tab's connection (the leader's own frames).
    fn push_frame(&self, frame: ClientFrame) {
        if let Some(text) = encode(&frame) {
            let _ = self.outgoing.unbounded_send(text);
        }
    }

    /// Sends an encoded client frame (this tab's, or one relayed from another tab).
    fn send_encoded(&self, text: String) {
        if !self.is_leader() {
            self.tabs.post(&TabMessage::Frame { text });
        } else if self.is_online() {
            let _ = self.outgoing.unbounded_send(text);
        }
    }

    /// Writes a message to the outbox (shown at once as Pending) and sends it when connected.
    pub async fn send_message(
        &self,
        conversation_id: ConversationId,
        body: String,
    ) -> SyncResult<()> {
        // An empty body from the composer is ignored, as if nothing was typed.
        match check_body(&body, false) {
            Ok(()) => {}
            Err(BodyError::Empty) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let rec = OutboxRecord {
            id: MessageId::new(),
            conversation_id,
            body,
            queued_at: now_ms(),
            failed: None,
            upload: None,
        };
        if let Err(e) = self.db.queue_message(&rec).await {
            self.report(e.clone());
            return Err(e.into());
        }
        self.bump();
        self.note_sent(conversation_id);
        self.send_frame(rec.frame());
        Ok(())
    }

    /// Records that this tab queued a message in `conversation_id`.
    fn note_sent(&self, conversation_id: ConversationId) {
        self.sent
            .update(|(last, count)| (*last, *count) = (Some(conversation_id), *count + 1));
    }

    /// Sends a failed message again.
    pub async fn retry(self: &Arc<Self>, id: MessageId) {
        if let Err(e) = self.db.set_failed(id, None).await {
            return self.report(e);
        }
        self.bump();
        if let Ok(outbox) = self.db.outbox().await
            && let Some(rec) = outbox.into_iter().find(|r| r.id == id)
        {
            if rec.ready() {
                self.send_frame(rec.frame());
            } else {
                self.resume_uploads();
            }
        }
    }

    /// Deletes a message that was never sent.
    pub async fn discard(&self, id: MessageId) {
        match self.db.discard(id).await {
            Ok(()) => self.bump(),
            Err(e) => self.report(e),
        }
    }

    /// Sends a request and waits for its answer (from this tab's connection or the leader's).
    pub(crate) async fn request(&self, request_id: RequestId, frame: ClientFrame) -> Answer {
        if !self.is_online() {
            return Err(SyncError::Offline);
        }
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(request_id, tx);
        self.send_frame(frame);
        let timeout = gloo_timers::future::TimeoutFuture::new(REQUEST_TIMEOUT_MS);
        match futures::future::select(rx, timeout).await {
            futures::future::Either::Left((Ok(result), _)) => result,
            _ => {
                self.pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&request_id);
                Err(SyncError::NoAnswer)
            }
        }
    }

    /// Opens (or finds) the direct chat with a handle.
    pub async fn start_chat(&self, handle: String) -> SyncResult<ConversationId> {
        let request_id = RequestId::new();
        match self
            .request(request_id, ClientFrame::StartChat { request_id, handle })
            .await?
        {
            kontor_protocol::ServerFrame::ChatStarted { conversation, .. } => Ok(conversation.id),
            _ => Err(Invalid::UnexpectedAnswer.into()),
        }
    }

    /// Fetches older messages of a conversation from the server into the local database.
    pub async fn load_history(
        &self,
        conversation_id: ConversationId,
        before: Seq,
    ) -> SyncResult<()> {
        let request_id = RequestId::new();
        self.request(
            request_id,
            ClientFrame::History {
                request_id,
                conversation_id,
                before,
                limit: kontor_protocol::limits::HISTORY_PAGE,
            },
        )
        .await
        .map(|_| ())
    }

    /// Marks a conversation read (locally, and on the server when connected).
    pub async fn mark_read(&self, conversation_id: ConversationId) {
        match self.db.mark_read(conversation_id).await {
            Ok(Some(seq)) => {
                self.bump();
                self.send_frame(ClientFrame::Receipt {
                    conversation_id,
                    kind: ReceiptKind::Read,
                    seq,
                });
            }
            Ok(None) => {}
            Err(e) => self.report(e),
        }
    }

    /// Tells the others in the conversation that this user is typing (throttled).
    pub fn typing(&self, conversation_id: ConversationId) {
        let now = now_ms();
        let mut last = self.last_typing.lock().unwrap_or_else(|e| e.into_inner());
        if last
            .get(&conversation_id)
            .is_some_and(|t| now - t < TYPING_EVERY_MS)
        {
            return;
        }
        last.insert(conversation_id, now);
        self.send_frame(ClientFrame::Typing { conversation_id });
    }

    /// The display name of whoever is typing in a conversation now.
    pub fn typing_in(&self, conversation_id: ConversationId) -> bool {
        let now = now_ms();
        self.typing.with(|t| {
            t.iter()
                .any(|t| t.conversation_id == conversation_id && t.until > now)
        })
    }
}

/// A frame's JSON, or a console error saying why there is none (a frame the browser's JSON cannot
/// hold, such as an integer beyond 2^53, is a bug to find, not a silent drop).
fn encode(frame: &ClientFrame) -> Option<String> {
    crate::json::to_string(frame)
        .map_err(|e| web_sys::console::error_1(&format!("Kontor: frame not sent: {e}").into()))
        .ok()
}
