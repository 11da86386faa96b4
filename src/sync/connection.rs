//! The connection manager: owns the one WebSocket, reconnects with capped exponential backoff
//! and jitter, and notices dead connections by heartbeat. A browser WebSocket's `send` succeeds
//! even after the connection died, so loss is detected on the read side only.

use super::{ConnStatus, Engine};
use crate::json::{self, JsonError};
use crate::store::{ReceiptMark, Received};
use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{Message, WebSocketError, futures::WebSocket};
use kontor_protocol::{ClientFrame, ErrorCode, ServerFrame};
use leptos::prelude::*;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wasm_bindgen::{JsCast, JsValue};

/// Heartbeat period.
const PING_EVERY_MS: f64 = 20_000.0;
/// Silence after which the connection is considered dead.
const DEAD_AFTER_MS: f64 = 45_000.0;
/// Backoff bounds.
const BACKOFF_MIN_MS: f64 = 500.0;
const BACKOFF_MAX_MS: f64 = 30_000.0;
/// Close code the server uses for an invalid token.
const CLOSE_UNAUTHORIZED: u16 = 4001;

fn ws_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

/// Why one connection ended.
enum Ended {
    /// Try again after a backoff.
    Retry,
    /// The session is over (logged out elsewhere, expired): stop.
    Unauthorized,
    /// The app stopped the engine.
    Stopped,
}

/// Runs until the engine is shut down or the session ends.
pub(super) async fn run(
    engine: Arc<Engine>,
    mut outgoing: mpsc::UnboundedReceiver<String>,
    mut wake: mpsc::UnboundedReceiver<()>,
) {
    // Coming back online is the best moment to retry.
    let waker = engine.wake.clone();
    let online_listener = leptos::prelude::window_event_listener(leptos::ev::online, move |_| {
        let _ = waker.unbounded_send(());
    });
    let mut failures: u32 = 0;
    loop {
        if engine.stopped.load(Ordering::Relaxed) {
            break;
        }
        engine.set_status(ConnStatus::Connecting);
        let (ended, was_ready) = connect_once(&engine, &mut outgoing, &mut wake).await;
        engine.online.store(false, Ordering::Relaxed);
        match ended {
            Ended::Stopped => break,
            Ended::Unauthorized => {
                engine.set_status(ConnStatus::Offline);
                engine.session_ended.set(true);
                engine.tabs.post(&super::tabs::TabMessage::SessionEnded);
                break;
            }
            Ended::Retry => {}
        }
        engine.set_status(ConnStatus::Offline);
        failures = if was_ready { 0 } else { failures + 1 };
        let base = (BACKOFF_MIN_MS * 2f64.powi(failures.min(16) as i32)).min(BACKOFF_MAX_MS);
        // Jitter spreads reconnects of many clients after a server restart.
        let delay = base * (0.5 + js_sys::Math::random() * 0.5);
        let timer = gloo_timers::future::TimeoutFuture::new(delay as u32);
        futures::future::select(timer, wake.next()).await;
    }
    online_listener.remove();
}

/// One connection from open to close. Returns why it ended and whether it got as far as Ready.
async fn connect_once(
    engine: &Arc<Engine>,
    outgoing: &mut mpsc::UnboundedReceiver<String>,
    wake: &mut mpsc::UnboundedReceiver<()>,
) -> (Ended, bool) {
    // Frames queued for a connection that died are dropped: messages stay in the outbox and are
    // resent after catch-up, receipts are derived again from the database.
    while outgoing.try_recv().is_ok() {}
    while wake.try_recv().is_ok() {}

    let Some(url) = ws_url() else {
        return (Ended::Retry, false);
    };
    let Ok(socket) = WebSocket::open(&url) else {
        return (Ended::Retry, false);
    };
    let (mut write, read) = socket.split();
    let mut read = read.fuse();
    let since = match engine.db.cursor().await {
        Ok(pos) => pos,
        Err(e) => {
            engine.report(e);
            return (Ended::Retry, false);
        }
    };
    let hello = ClientFrame::Hello {
        token: engine.token.clone(),
        since,
    };
    if send(&mut write, &hello).await.is_err() {
        return (Ended::Retry, false);
    }

    let mut ready = false;
    let mut last_rx = js_sys::Date::now();
    let mut last_ping = last_rx;
    let mut ticks = gloo_timers::future::IntervalStream::new(5_000).fuse();
    let mut nonce = 0u64;
    loop {
        futures::select! {
            incoming = read.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    last_rx = js_sys::Date::now();
                    let frame = match decode(&text) {
                        Ok(frame) => frame,
                        Err(e) => {
                            web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
                            continue;
                        }
                    };
                    match &frame {
                        Incoming::Frame(ServerFrame::Ready { .. }) => ready = true,
                        Incoming::Frame(ServerFrame::Error { code: ErrorCode::Unauthorized, .. }) => {
                            return (Ended::Unauthorized, ready);
                        }
                        _ => {}
                    }
                    // Floods (a burst of live messages; a catch-up's conversation snapshots and
                    // receipts) are stored in one IndexedDB transaction per batch, not one per
                    // frame: the cost is per transaction (and per redraw), not per record.
                    let after = match frame {
                        Incoming::Messages(messages) => {
                            let (messages, after) = coalesce(&mut read, messages, messages_of);
                            engine.on_messages(messages).await;
                            after
                        }
                        Incoming::Frame(ServerFrame::Conversation { pos, conversation }) => {
                            let first = vec![(conversation, pos)];
                            let (batch, after) = coalesce(&mut read, first, snapshot_of);
                            engine.on_conversations(batch).await;
                            after
                        }
                        Incoming::Frame(frame @ ServerFrame::Receipt { .. }) => {
                            let first = receipt_mark(&frame).into_iter().collect();
                            let (batch, after) = coalesce(&mut read, first, receipt_of);
                            engine.on_receipts(batch).await;
                            after
                        }
                        Incoming::Frame(other) => {
                            engine.on_frame(other).await;
                            None
                        }
                    };
                    match after {
                        Some(Incoming::Messages(messages)) => engine.on_messages(messages).await,
                        Some(Incoming::Frame(frame)) => engine.on_frame(frame).await,
                        None => {}
                    }
                }
                Some(Ok(Message::Bytes(_))) => {}
                Some(Err(WebSocketError::ConnectionClose(ev))) if ev.code == CLOSE_UNAUTHORIZED => {
                    return (Ended::Unauthorized, ready);
                }
                _ => return (Ended::Retry, ready),
            },
            frame = outgoing.next() => {
                let Some(text) = frame else { return (Ended::Stopped, ready) };
                if write.send(Message::Text(text)).await.is_err() {
                    return (Ended::Retry, ready);
                }
            },
            _ = wake.next().fuse() => {
                if engine.stopped.load(Ordering::Relaxed) {
                    let _ = write.close().await;
                    return (Ended::Stopped, ready);
                }
            },
            _ = ticks.next() => {
                let now = js_sys::Date::now();
                if now - last_rx > DEAD_AFTER_MS {
                    return (Ended::Retry, ready);
                }
                if now - last_ping >= PING_EVERY_MS {
                    last_ping = now;
                    nonce += 1;
                    if send(&mut write, &ClientFrame::Ping { nonce }).await.is_err() {
                        return (Ended::Retry, ready);
                    }
                }
            },
        }
    }
}

/// Most records folded into one batch.
const COALESCE_MAX: usize = 2_000;

/// A frame as read. A `messages` frame keeps the objects `JSON.parse` made of its messages, which
/// is what IndexedDB stores ([`Received`]).
// Frames are read, matched and dropped at once, as `ServerFrame` itself is.
#[allow(clippy::large_enum_variant)]
pub(super) enum Incoming {
    /// Live messages or a catch-up page.
    Messages(Received),
    /// Any other frame.
    Frame(ServerFrame),
}

/// Reads a server frame.
fn decode(text: &str) -> Result<Incoming, JsonError> {
    let value = json::parse(text)?;
    match messages_array(&value) {
        Some(array) => Received::from_array(array).map(Incoming::Messages),
        None => json::from_value(value).map(Incoming::Frame),
    }
}

/// The array of a `{"messages":{"messages":[…]}}` frame.
fn messages_array(frame: &JsValue) -> Option<js_sys::Array> {
    let key = JsValue::from_str("messages");
    let inner = js_sys::Reflect::get(frame, &key).ok()?;
    if !inner.is_object() {
        return None;
    }
    js_sys::Reflect::get(&inner, &key).ok()?.dyn_into().ok()
}

/// What [`coalesce`] gathers.
trait Batch {
    fn len(&self) -> usize;
    fn append(&mut self, more: Self);
}

impl<T> Batch for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn append(&mut self, mut more: Self) {
        Vec::append(self, &mut more);
    }
}

impl Batch for Received {
    fn len(&self) -> usize {
        Received::len(self)
    }
    fn append(&mut self, more: Self) {
        Received::append(self, more);
    }
}

/// Appends what the frames that have already arrived carry to `batch` (`take` says what a frame
/// adds, or that it is of another kind), up to [`COALESCE_MAX`] records. Returns the batch and the
/// first frame of another kind, which the caller handles next.
fn coalesce<S, B: Batch>(
    read: &mut S,
    mut batch: B,
    take: impl Fn(Incoming) -> ControlFlow<Incoming, B>,
) -> (B, Option<Incoming>)
where
    S: futures::Stream<Item = Result<Message, WebSocketError>> + Unpin,
{
    while batch.len() < COALESCE_MAX {
        let Some(Some(Ok(Message::Text(text)))) = read.next().now_or_never() else {
            // Nothing more waiting (a close or error shows up again on the next read).
            break;
        };
        match decode(&text).map(&take) {
            Ok(Continue(more)) => batch.append(more),
            Ok(Break(other)) => return (batch, Some(other)),
            Err(e) => {
                web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
            }
        }
    }
    (batch, None)
}

/// The messages of a `messages` frame (for [`coalesce`]).
fn messages_of(frame: Incoming) -> ControlFlow<Incoming, Received> {
    match frame {
        Incoming::Messages(messages) => Continue(messages),
        other => Break(other),
    }
}

/// The snapshot of a `conversation` frame (for [`coalesce`]).
fn snapshot_of(
    frame: Incoming,
) -> ControlFlow<Incoming, Vec<(kontor_protocol::Conversation, kontor_protocol::Pos)>> {
    match frame {
        Incoming::Frame(ServerFrame::Conversation { pos, conversation }) => {
            Continue(vec![(conversation, pos)])
        }
        other => Break(other),
    }
}

/// The marks of a `receipt` frame (for [`coalesce`]).
fn receipt_of(frame: Incoming) -> ControlFlow<Incoming, Vec<ReceiptMark>> {
    match frame {
        Incoming::Frame(frame) => match receipt_mark(&frame) {
            Some(mark) => Continue(vec![mark]),
            None => Break(Incoming::Frame(frame)),
        },
        other => Break(other),
    }
}

/// The mark a `receipt` frame carries (none for other frames).
pub(super) fn receipt_mark(frame: &ServerFrame) -> Option<ReceiptMark> {
    match *frame {
        ServerFrame::Receipt {
            pos,
            conversation_id,
            user_id,
            delivered,
            read,
        } => Some(ReceiptMark {
            conversation_id,
            user: user_id,
            delivered,
            read,
            pos,
        }),
        _ => None,
    }
}

async fn send<S>(write: &mut S, frame: &ClientFrame) -> Result<(), ()>
where
    S: futures::Sink<Message> + Unpin,
{
    let text = super::encode(frame).ok_or(())?;
    write.send(Message::Text(text)).await.map_err(|_| ())
}
