//! What the business inbox hears live: the page says what it wants to know and holds a [`Watch`];
//! the listeners, the debounce, the reconnect refresh and the local copy of inbox items live
//! here, so the page itself has no network side effects.

use super::{ConnStatus, Engine};
use kontor_protocol::business::InboxItem;
use kontor_protocol::{BusinessId, RequestId, ServerFrame};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A burst of live inbox items (a teammate working through the list) asks for the list again
/// once, this long after the first of them.
const INBOX_REFRESH_DEBOUNCE_MS: u32 = 150;

/// Said once when a [`Watch`] ends.
pub(super) type OnEnd = Box<dyn FnOnce(&Engine) + Send + Sync>;

/// Stops what [`Engine::watch_inbox`] or [`Engine::watch_customer`] started when dropped: the
/// listener, and any loop that runs with it.
pub struct Watch {
    engine: Arc<Engine>,
    listener: u64,
    /// Cleared on drop; loops started with the watch end when they see it cleared.
    alive: Arc<AtomicBool>,
    /// Said once when the watch ends (leaving a conversation tells teammates).
    on_end: Option<OnEnd>,
}

impl Watch {
    pub(super) fn new(
        engine: Arc<Engine>,
        listener: u64,
        alive: Arc<AtomicBool>,
        on_end: Option<OnEnd>,
    ) -> Self {
        Self {
            engine,
            listener,
            alive,
            on_end,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Relaxed);
        self.engine.unlisten(self.listener);
        if let Some(end) = self.on_end.take() {
            end(&self.engine);
        }
    }
}

/// See [`InboxEvents::refused`].
pub type Refused = Box<dyn Fn(RequestId, &str) + Send + Sync>;

/// What the business inbox wants to hear about one business.
pub struct InboxEvents {
    /// A conversation's newest state (already saved on this device).
    pub item: Box<dyn Fn(InboxItem) + Send + Sync>,
    /// The list should be asked again: teammates changed something (debounced), or the
    /// connection came back.
    pub refresh: Box<dyn Fn() + Send + Sync>,
    /// This account was removed from the business's team.
    pub revoked: Box<dyn Fn() + Send + Sync>,
    /// The server refused a request (a team write's id) with this message.
    pub refused: Refused,
}

impl Engine {
    /// Hears live frames about `business` until the returned [`Watch`] is dropped.
    ///
    /// Must be called inside a reactive owner (a component): the reconnect refresh is an effect
    /// of that owner.
    pub fn watch_inbox(self: &Arc<Self>, business: BusinessId, events: InboxEvents) -> Watch {
        let events = Arc::new(events);
        let alive = Arc::new(AtomicBool::new(true));
        let pending_refresh = Arc::new(AtomicBool::new(false));
        let listener = {
            let events = events.clone();
            let alive = alive.clone();
            let db = self.db.clone();
            self.listen(move |frame| match frame {
                ServerFrame::InboxItem { item } if item.business == business => {
                    {
                        let db = db.clone();
                        let saved = item.clone();
                        spawn_local(async move {
                            let _ = db.save_inbox_items(&[saved]).await;
                        });
                    }
                    (events.item)(item.clone());
                    if !pending_refresh.swap(true, Ordering::Relaxed) {
                        let pending_refresh = pending_refresh.clone();
                        let events = events.clone();
                        let alive = alive.clone();
                        spawn_local(async move {
                            gloo_timers::future::TimeoutFuture::new(INBOX_REFRESH_DEBOUNCE_MS)
                                .await;
                            pending_refresh.store(false, Ordering::Relaxed);
                            if alive.load(Ordering::Relaxed) {
                                (events.refresh)();
                            }
                        });
                    }
                }
                ServerFrame::AccessRevoked { business: b } if *b == business => (events.revoked)(),
                ServerFrame::Error {
                    message,
                    request_id: Some(id),
                    ..
                } => (events.refused)(*id, message),
                _ => {}
            })
        };
        // After a reconnect, ask again: a colleague may have answered meanwhile.
        {
            let status = self.status;
            let alive = alive.clone();
            Effect::new(move |was: Option<ConnStatus>| {
                let now = status.get();
                if was.is_some_and(|w| w != ConnStatus::Online)
                    && now == ConnStatus::Online
                    && alive.load(Ordering::Relaxed)
                {
                    (events.refresh)();
                }
                now
            });
        }
        Watch::new(self.clone(), listener, alive, None)
    }
}
