//! Teammates in one customer conversation: this agent's heartbeat ("viewing", repeated while the
//! conversation is open, "left" when it closes) and what the others are doing, plus the live
//! item and notes of that conversation. The inbox page holds the [`Watch`] and renders
//! [`CustomerWatch::presence`].

use super::Engine;
use super::watch::{OnEnd, Watch};
use kontor_protocol::business::{Activity, InboxItem, Note};
use kontor_protocol::{ConversationId, ServerFrame, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How often an agent with a conversation open says so to teammates.
const VIEWING_EVERY_MS: u32 = 20_000;
/// How long a teammate's "viewing" shows without a repeat (longer than [`VIEWING_EVERY_MS`], so
/// it does not flicker between two heartbeats).
const ACTIVITY_SHOWN_MS: f64 = 30_000.0;
/// How long a teammate's "typing" shows without a repeat.
const TEAMMATE_TYPING_SHOWN_MS: f64 = 5_000.0;

/// A teammate's activity in the open conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Presence {
    /// Who.
    pub user: UserId,
    /// Their display name.
    pub name: String,
    /// Viewing or typing (a teammate who left is removed).
    pub activity: Activity,
    /// Shown until (ms since epoch).
    pub until: f64,
}

/// What the open customer conversation wants to hear besides its messages.
pub struct CustomerEvents {
    /// The conversation's newest inbox state, once what this device missed of its messages is
    /// fetched.
    pub item: Box<dyn Fn(InboxItem) + Send + Sync>,
    /// A private note added by anyone on the team.
    pub note: Box<dyn Fn(Note) + Send + Sync>,
}

/// A watched customer conversation: teammates' presence, and the [`Watch`] that ends it.
pub struct CustomerWatch {
    /// Teammates' current activity here (not this user's own), pruned as it expires.
    pub presence: RwSignal<Vec<Presence>>,
    /// Dropping it stops listening and the heartbeat, and tells teammates this agent left.
    pub watch: Watch,
}

impl Engine {
    /// Tells teammates that `id` is open here until the returned watch is dropped, and hears
    /// their activity, its live item and its notes meanwhile.
    pub fn watch_customer(
        self: &Arc<Self>,
        id: ConversationId,
        events: CustomerEvents,
    ) -> CustomerWatch {
        let me = self.me.id;
        let presence = RwSignal::new(Vec::<Presence>::new());
        let listener = {
            let engine = self.clone();
            let events = Arc::new(events);
            self.listen(move |frame| match frame {
                ServerFrame::InboxItem { item } if item.conversation_id == id => {
                    let item = item.clone();
                    // A message this device missed (it was not live): fetch the newest page.
                    let engine = engine.clone();
                    let events = events.clone();
                    spawn_local(async move {
                        let behind = engine
                            .db
                            .conversation(id)
                            .await
                            .ok()
                            .flatten()
                            .is_some_and(|c| c.last_seq < item.last_seq);
                        if behind {
                            let _ = engine.load_latest(id).await;
                        }
                        (events.item)(item);
                    });
                }
                ServerFrame::Note { note } if note.conversation_id == id => {
                    (events.note)(note.clone());
                }
                ServerFrame::Activity {
                    conversation_id,
                    user,
                    activity,
                } if *conversation_id == id && user.id != me => {
                    let shown_ms = if *activity == Activity::Typing {
                        TEAMMATE_TYPING_SHOWN_MS
                    } else {
                        ACTIVITY_SHOWN_MS
                    };
                    let entry = Presence {
                        user: user.id,
                        name: user.display_name.clone(),
                        activity: *activity,
                        until: js_sys::Date::now() + shown_ms,
                    };
                    let arrived = entry.activity == Activity::Viewing
                        && presence.with_untracked(|p| !p.iter().any(|x| x.user == entry.user));
                    presence.update(|p| {
                        p.retain(|x| x.user != entry.user);
                        if entry.activity != Activity::Left {
                            p.push(entry);
                        }
                    });
                    // Someone just opened it: say that I am here too, so they know at once.
                    if arrived {
                        engine.activity(id, Activity::Viewing);
                    }
                }
                _ => {}
            })
        };
        // Tell teammates this conversation is open here, until it closes.
        self.activity(id, Activity::Viewing);
        let alive = Arc::new(AtomicBool::new(true));
        {
            let engine = self.clone();
            let alive = alive.clone();
            spawn_local(async move {
                loop {
                    gloo_timers::future::TimeoutFuture::new(VIEWING_EVERY_MS).await;
                    if !alive.load(Ordering::Relaxed) {
                        break;
                    }
                    engine.activity(id, Activity::Viewing);
                    let now = js_sys::Date::now();
                    let _ = presence.try_update(|p| p.retain(|x| x.until > now));
                }
            });
        }
        let left: OnEnd = Box::new(move |engine| engine.activity(id, Activity::Left));
        CustomerWatch {
            presence,
            watch: Watch::new(self.clone(), listener, alive, Some(left)),
        }
    }
}
