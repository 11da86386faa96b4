//! The connection manager: owns the one WebSocket, reconnects with capped exponential backoff
//! and jitter, and notices dead connections by heartbeat. A browser WebSocket's `send` succeeds
//! even after the connection died, so loss is detected on the read side only.

use super::{ConnStatus, Engine};
use crate::store::ReceiptMark;
use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{Message, WebSocketError, futures::WebSocket};
use kontor_protocol::{ClientFrame, ErrorCode, ServerFrame};
use leptos::prelude::*;
use std::ops::ControlFlow::{self, Break, Continue};
use std::sync::Arc;
use std::sync::atomic::Ordering;

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
                    let frame = match crate::json::from_str::<ServerFrame>(&text) {
                        Ok(frame) => frame,
                        Err(e) => {
                            web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
                            continue;
                        }
                    };
                    match &frame {
                        ServerFrame::Ready { .. } => ready = true,
                        ServerFrame::Error { code: ErrorCode::Unauthorized, .. } => {
                            return (Ended::Unauthorized, ready);
                        }
                        _ => {}
                    }
                    // Floods (a burst of live messages; a catch-up's conversation snapshots and
                    // receipts) are stored in one IndexedDB transaction per batch, not one per
                    // frame: the cost is per transaction (and per redraw), not per record.
                    let after = match frame {
                        ServerFrame::Messages { messages } => {
                            let (messages, after) = coalesce(&mut read, messages, messages_of);
                            engine.on_frame(ServerFrame::Messages { messages }).await;
                            after
                        }
                        frame @ ServerFrame::Conversation { .. } => {
                            let first = snapshot_of(frame).continue_value().unwrap_or_default();
                            let (batch, after) = coalesce(&mut read, first, snapshot_of);
                            engine.on_conversations(batch).await;
                            after
                        }
                        frame @ ServerFrame::Receipt { .. } => {
                            let first = receipt_of(frame).continue_value().unwrap_or_default();
                            let (batch, after) = coalesce(&mut read, first, receipt_of);
                            engine.on_receipts(batch).await;
                            after
                        }
                        other => {
                            engine.on_frame(other).await;
                            None
                        }
                    };
                    if let Some(after) = after {
                        engine.on_frame(after).await;
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

/// Appends what the frames that have already arrived carry to `batch` (`take` says what a frame
/// of the batch's kind carries, or hands back a frame of another kind), without waiting. Returns
/// the batch and the first frame of another kind, to be handled after it.
fn coalesce<S, T>(
    read: &mut S,
    mut batch: Vec<T>,
    take: impl Fn(ServerFrame) -> ControlFlow<ServerFrame, Vec<T>>,
) -> (Vec<T>, Option<ServerFrame>)
where
    S: futures::Stream<Item = Result<Message, WebSocketError>> + Unpin,
{
    while batch.len() < COALESCE_MAX {
        let Some(Some(Ok(Message::Text(text)))) = read.next().now_or_never() else {
            // Nothing more waiting (a close or error shows up again on the next read).
            break;
        };
        match crate::json::from_str::<ServerFrame>(&text).map(&take) {
            Ok(Continue(more)) => batch.extend(more),
            Ok(Break(other)) => return (batch, Some(other)),
            Err(e) => {
                web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
            }
        }
    }
    (batch, None)
}

/// The messages of a `messages` frame (for [`coalesce`]).
fn messages_of(frame: ServerFrame) -> ControlFlow<ServerFrame, Vec<kontor_protocol::Message>> {
    match frame {
        ServerFrame::Messages { messages } => Continue(messages),
        other => Break(other),
    }
}

/// The snapshot of a `conversation` frame (for [`coalesce`]).
fn snapshot_of(
    frame: ServerFrame,
) -> ControlFlow<ServerFrame, Vec<(kontor_protocol::Conversation, kontor_protocol::Pos)>> {
    match frame {
        ServerFrame::Conversation { pos, conversation } => Continue(vec![(conversation, pos)]),
        other => Break(other),
    }
}

/// The marks of a `receipt` frame (for [`coalesce`]).
pub(super) fn receipt_of(frame: ServerFrame) -> ControlFlow<ServerFrame, Vec<ReceiptMark>> {
    match frame {
        ServerFrame::Receipt {
            pos,
            conversation_id,
            user_id,
            delivered,
            read,
        } => Continue(vec![ReceiptMark {
            conversation_id,
            user: user_id,
            delivered,
            read,
            pos,
        }]),
        other => Break(other),
    }
}

async fn send<S>(write: &mut S, frame: &ClientFrame) -> Result<(), ()>
where
    S: futures::Sink<Message> + Unpin,
{
    let text = crate::json::to_string(frame).map_err(|_| ())?;
    write.send(Message::Text(text)).await.map_err(|_| ())
}
