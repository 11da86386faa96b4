//! The connection manager: owns the one WebSocket, reconnects with capped exponential backoff
//! and jitter, and notices dead connections by heartbeat. A browser WebSocket's `send` succeeds
//! even after the connection died, so loss is detected on the read side only.

use super::reader::{Reader, Step};
use super::{ConnStatus, Engine};
use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{Message, futures::WebSocket};
use kontor_protocol::{ClientFrame, ErrorCode, ServerFrame};
use leptos::prelude::*;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Heartbeat period.
const PING_EVERY_MS: f64 = 20_000.0;
/// Silence after which the connection is considered dead.
const DEAD_AFTER_MS: f64 = 45_000.0;
/// Backoff bounds.
const BACKOFF_MIN_MS: f64 = 500.0;
const BACKOFF_MAX_MS: f64 = 30_000.0;
/// How many failures in a row still double the backoff (beyond, it stays at
/// [`BACKOFF_MAX_MS`]; the cap keeps the power finite).
const BACKOFF_MAX_DOUBLINGS: u32 = 16;
/// How often the connection checks whether a ping is due or the server has gone quiet.
const HEARTBEAT_CHECK_MS: u32 = 5_000;

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
        let base = (BACKOFF_MIN_MS * 2f64.powi(failures.min(BACKOFF_MAX_DOUBLINGS) as i32))
            .min(BACKOFF_MAX_MS);
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
    let mut reader = Reader::new(read);
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
    let mut ticks = gloo_timers::future::IntervalStream::new(HEARTBEAT_CHECK_MS).fuse();
    let mut nonce = 0u64;
    loop {
        futures::select! {
            step = reader.next().fuse() => {
                last_rx = js_sys::Date::now();
                match step {
                    Step::Closed { unauthorized: true } => return (Ended::Unauthorized, ready),
                    Step::Closed { unauthorized: false } => return (Ended::Retry, ready),
                    Step::Messages(messages) => engine.on_messages(messages).await,
                    Step::Conversations(batch) => engine.on_conversations(batch).await,
                    Step::Receipts(batch) => engine.on_receipts(batch).await,
                    Step::Frame(frame) => {
                        match &frame {
                            ServerFrame::Ready { .. } => ready = true,
                            ServerFrame::Error { code: ErrorCode::Unauthorized, .. } => {
                                return (Ended::Unauthorized, ready);
                            }
                            _ => {}
                        }
                        engine.on_frame(frame).await;
                    }
                    Step::Unreadable(e) => {
                        web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
                    }
                }
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

async fn send<S>(write: &mut S, frame: &ClientFrame) -> Result<(), ()>
where
    S: futures::Sink<Message> + Unpin,
{
    let text = super::encode(frame).ok_or(())?;
    write.send(Message::Text(text)).await.map_err(|_| ())
}
