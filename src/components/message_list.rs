//! The conversation's messages: a `log` of articles with day separators, times and, for my own
//! messages, their state.
//!
//! Over 500 lines on purpose: the window of loaded messages, the scroll anchoring and the log
//! they render depend on each other's state closely; split apart they would pass it all around.

use crate::components::attachment::{AttachmentView, PendingFile};
use crate::components::icons::{MessageState, StateIcon};
use crate::store::{ConversationRecord, Db, OutboxRecord, PendingUpload, StoreError};
use crate::sync::Engine;
use crate::time;
use kontor_protocol::business::Note;
use kontor_protocol::media::Attachment;
use kontor_protocol::{ConversationId, Message, MessageId, NoteId, Seq, UserId};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// Messages shown at first, and added by each step back or forward.
pub const PAGE: usize = 50;
/// At most this many messages are in the log at once, however far back the reader scrolls: a
/// step beyond it drops a page at the other end, so a 100,000-message chat costs the same DOM as
/// a short one.
pub const MAX_WINDOW: usize = 150;

/// Which part of a conversation the log shows: the newest `size` messages up to `upto` (up to the
/// newest one when `None`, following new arrivals).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The last sequence number shown; `None` follows the newest message.
    pub upto: Option<Seq>,
    /// How many messages at most.
    pub size: usize,
}

impl Window {
    /// The newest page.
    pub fn latest() -> Self {
        Self {
            upto: None,
            size: PAGE,
        }
    }

    /// One page further back from what is `shown`; when that would pass [`MAX_WINDOW`], the
    /// newest page leaves the window.
    pub fn earlier(self, shown: &[Message]) -> Self {
        let n = shown.len();
        if n + PAGE <= MAX_WINDOW {
            return Self {
                upto: self.upto,
                size: n + PAGE,
            };
        }
        let keep = MAX_WINDOW - PAGE;
        Self {
            upto: Some(shown[keep.min(n) - 1].seq),
            size: MAX_WINDOW,
        }
    }

    /// One page further forward from what is `shown`; the oldest page leaves the window.
    pub fn later(self, shown: &[Message]) -> Self {
        match shown.last() {
            Some(last) => Self {
                upto: Some(Seq(last.seq.0 + PAGE as u64)),
                size: self.size.clamp(PAGE, MAX_WINDOW),
            },
            None => Self::latest(),
        }
    }
}

/// Everything the conversation view shows, read in one go from the local database.
#[derive(Clone, Debug)]
pub struct ConversationData {
    /// The conversation (None: not on this device, or not ours).
    pub conversation: Option<ConversationRecord>,
    /// The window's messages, oldest first.
    pub messages: Vec<Message>,
    /// Unsent messages of this conversation, oldest first.
    pub outbox: Vec<OutboxRecord>,
    /// Older messages than the first shown are stored on this device.
    pub older_here: bool,
    /// Newer messages than the last shown are stored on this device (the window is not at the
    /// end: the outbox is not shown and the reader is offered the way forward).
    pub newer_here: bool,
}

impl ConversationData {
    /// Reads one window of a conversation's messages and its outbox.
    pub async fn load(db: &Db, id: ConversationId, window: Window) -> Result<Self, StoreError> {
        let read = db.conversation_window(id, window.upto, window.size).await?;
        Ok(Self {
            conversation: read.conversation,
            messages: read.messages,
            outbox: read.outbox,
            older_here: read.older_here,
            newer_here: read.newer_here,
        })
    }
}

impl ConversationData {
    /// Older messages exist: more stored here than shown, or older ones on the server.
    pub fn has_earlier(&self) -> bool {
        self.older_here || self.earlier_on_server().is_some()
    }

    /// Older messages exist only on the server: the first shown is not the conversation's
    /// first, nor one below which the server said it has nothing for this account (messages
    /// withheld from a blocker leave such gaps).
    pub fn earlier_on_server(&self) -> Option<Seq> {
        let first = self.messages.first()?;
        let floor = self
            .conversation
            .as_ref()
            .map_or(Seq(1), |c| c.history_floor.max(Seq(1)));
        (!self.older_here && first.seq > floor).then_some(first.seq)
    }
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq)]
enum Row {
    Day {
        key: i64,
        label: String,
    },
    Message {
        id: MessageId,
        body: String,
        time: String,
        own: bool,
        state: Option<MessageState>,
        failure: Option<String>,
        /// The business agent who wrote it, where known.
        author: Option<String>,
        /// A stored photo, document or voice note.
        attachment: Option<Box<Attachment>>,
        /// A file still uploading (outbox).
        upload: Option<Box<PendingUpload>>,
    },
    /// A private note of the business team (never shown to customers: they never get one).
    Note {
        id: NoteId,
        author: String,
        body: String,
        time: String,
    },
}

impl Row {
    fn key(&self) -> String {
        match self {
            Row::Day { key, .. } => format!("day-{key}"),
            Row::Message {
                id, state, upload, ..
            } => format!(
                "{id}-{state:?}-{}",
                upload.as_ref().is_some_and(|u| u.attachment.is_some())
            ),
            Row::Note { id, .. } => format!("note-{id}"),
        }
    }
}

fn note_row(n: &Note) -> Row {
    Row::Note {
        id: n.id,
        author: n.author.display_name.clone(),
        body: n.body.clone(),
        time: time::clock(n.created_at.0 as f64),
    }
}

fn rows(data: &ConversationData, me: UserId, notes: &[Note]) -> Vec<Row> {
    let Some(conversation) = &data.conversation else {
        return Vec::new();
    };
    // On a business's team, "my" messages are the business's.
    let me = conversation.side(me);
    let peer = conversation.peer(me);
    // Notes interleave by time; those outside the window's span belong to other windows.
    let from = data
        .has_earlier()
        .then(|| data.messages.first().map(|m| m.sent_at.0))
        .flatten();
    let to = data
        .newer_here
        .then(|| data.messages.last().map(|m| m.sent_at.0))
        .flatten();
    let mut notes = notes
        .iter()
        .filter(|n| {
            from.is_none_or(|f| n.created_at.0 >= f) && to.is_none_or(|t| n.created_at.0 <= t)
        })
        .peekable();
    let mut rows = Vec::with_capacity(data.messages.len() + data.outbox.len() + 8);
    let mut last_day = None;
    let mut push_day = |rows: &mut Vec<Row>, at: f64| {
        let key = time::day_key(at);
        if last_day != Some(key) {
            last_day = Some(key);
            rows.push(Row::Day {
                key,
                label: time::day_label(at),
            });
        }
    };
    for m in &data.messages {
        let at = m.sent_at.0 as f64;
        while let Some(n) = notes.next_if(|n| n.created_at.0 <= m.sent_at.0) {
            push_day(&mut rows, n.created_at.0 as f64);
            rows.push(note_row(n));
        }
        push_day(&mut rows, at);
        let own = m.sender == me;
        let state = own.then(|| match peer {
            Some(p) if p.read >= m.seq => MessageState::Read,
            Some(p) if p.delivered >= m.seq => MessageState::Delivered,
            _ => MessageState::Sent,
        });
        rows.push(Row::Message {
            id: m.id,
            body: m.body.clone(),
            time: time::clock(at),
            own,
            state,
            failure: None,
            author: m
                .agent
                .as_ref()
                .map(|a| a.name.clone())
                .filter(|n| !n.is_empty()),
            attachment: m.attachment.clone().map(Box::new),
            upload: None,
        });
    }
    for n in notes {
        push_day(&mut rows, n.created_at.0 as f64);
        rows.push(note_row(n));
    }
    let unsent = if data.newer_here {
        &[][..]
    } else {
        &data.outbox[..]
    };
    for o in unsent {
        push_day(&mut rows, o.queued_at);
        rows.push(Row::Message {
            id: o.id,
            body: o.body.clone(),
            time: time::clock(o.queued_at),
            own: true,
            state: Some(if o.failed.is_some() {
                MessageState::Failed
            } else {
                MessageState::Pending
            }),
            failure: o.failed.clone(),
            author: None,
            attachment: None,
            upload: o.upload.clone().map(Box::new),
        });
    }
    rows
}

/// Scrolling this close to either end of the log brings in the next page.
const NEAR_EDGE_PX: i32 = 600;
/// A scroll-triggered page load still unanswered after this long no longer blocks another.
const LOAD_PATIENCE_MS: f64 = 3000.0;
/// Scrolled to within this many pixels of the end, the log follows new messages down.
const STICK_WITHIN_PX: i32 = 80;

/// Where a message on screen was before the log changed, to put it back there after.
#[derive(Clone, Debug)]
struct Anchor {
    id: String,
    /// Its top edge relative to the log's top edge, in CSS pixels.
    offset: f64,
}

/// The first message whose bottom edge is inside the log's visible area.
fn first_visible(log: &web_sys::HtmlElement) -> Option<Anchor> {
    let top = log.get_bounding_client_rect().top();
    let items = log.query_selector_all("article[data-id]").ok()?;
    (0..items.length())
        .filter_map(|i| items.item(i))
        .filter_map(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
        .find_map(|el| {
            let rect = el.get_bounding_client_rect();
            (rect.bottom() > top).then(|| Anchor {
                id: el.get_attribute("data-id").unwrap_or_default(),
                offset: rect.top() - top,
            })
        })
}

/// Scrolls so that the anchored message is where it was.
fn restore(log: &web_sys::HtmlElement, anchor: &Anchor) {
    let selector = format!("article[data-id=\"{}\"]", anchor.id);
    if let Ok(Some(el)) = log.query_selector(&selector) {
        let now = el.get_bounding_client_rect().top() - log.get_bounding_client_rect().top();
        let delta = (now - anchor.offset).round() as i32;
        if delta != 0 {
            log.set_scroll_top(log.scroll_top() + delta);
        }
    }
}

/// The log: a window of at most [`MAX_WINDOW`] messages that moves a page at a time as the reader
/// scrolls towards either end (the message being read stays put), and stays pinned to the newest
/// message unless the reader scrolled up.
#[component]
pub fn MessageList(
    data: LocalResource<Result<ConversationData, StoreError>>,
    me: UserId,
    engine: Arc<Engine>,
    conversation_id: ConversationId,
    /// The part of the conversation shown; this list moves it forward, `on_load_earlier` back.
    window: RwSignal<Window>,
    on_load_earlier: Callback<()>,
    /// The team's private notes, shown among the messages (business inbox only).
    #[prop(optional)]
    notes: Option<RwSignal<Vec<Note>>>,
) -> impl IntoView {
    let log = NodeRef::<html::Div>::new();
    let stick = StoredValue::new(true);
    let anchor = StoredValue::new(None::<Anchor>);
    // When a scroll-triggered load started (ms since page load), while it is unanswered.
    let loading = StoredValue::new(None::<f64>);
    // Read in place: the window holds up to 150 messages, not worth a copy per reader.
    let loaded = move |f: fn(&ConversationData) -> bool| {
        data.with(|d| match d {
            Some(Ok(d)) => Some(f(d)),
            _ => None,
        })
    };
    let rows = Memo::new(move |prev: Option<&Vec<Row>>| {
        let notes = notes.map(|n| n.get()).unwrap_or_default();
        data.with(|d| match d {
            Some(Ok(d)) => rows(d, me, &notes),
            _ => prev.cloned().unwrap_or_default(),
        })
    });
    let more = Memo::new(move |_| loaded(ConversationData::has_earlier).unwrap_or(false));
    let newer = Memo::new(move |_| loaded(|d| d.newer_here).unwrap_or(false));

    // A new window arrived: scroll-triggered loads may go again.
    Effect::new(move || {
        let Some(newer_here) = loaded(|d| d.newer_here) else {
            return;
        };
        loading.set_value(None);
        if !newer_here && window.get_untracked().upto.is_some() {
            // The window reached the end: follow new messages again (it shows the same ones).
            window.set(Window {
                upto: None,
                ..window.get_untracked()
            });
        }
    });
    // Something written here brings the reader back to the newest message, where it shows.
    let sent = engine.sent;
    Effect::new(move |seen: Option<u64>| {
        let (conversation, count) = sent.get();
        if seen.is_some_and(|seen| seen != count) && conversation == Some(conversation_id) {
            anchor.set_value(None);
            stick.set_value(true);
            if window.get_untracked().upto.is_some() {
                window.set(Window::latest());
            }
        }
        count
    });

    // After the rows change: keep the message being read in place, or stay at the bottom.
    Effect::new(move || {
        rows.track();
        let Some(el) = log.get() else { return };
        let held = anchor.get_value();
        request_animation_frame(move || match held {
            Some(a) if !stick.get_value() => restore(&el, &a),
            _ if stick.get_value() => el.set_scroll_top(el.scroll_height()),
            _ => {}
        });
    });

    let remember = move || {
        if let Some(el) = log.get_untracked() {
            anchor.set_value(first_visible(&el));
        }
    };
    let earlier = move || {
        remember();
        stick.set_value(false);
        on_load_earlier.run(());
    };
    let later = move || {
        let next = data.with_untracked(|d| match d {
            Some(Ok(d)) => Some(window.get_untracked().later(&d.messages)),
            _ => None,
        });
        if let Some(next) = next {
            remember();
            window.set(next);
        }
    };
    let on_scroll = move |_| {
        let Some(el) = log.get_untracked() else {
            return;
        };
        let gap = el.scroll_height() - el.scroll_top() - el.client_height();
        stick.set_value(gap < STICK_WITHIN_PX && !newer.get_untracked());
        if !stick.get_value() {
            anchor.set_value(first_visible(&el));
        }
        let now = window_now();
        if loading
            .get_value()
            .is_some_and(|since| now - since < LOAD_PATIENCE_MS)
        {
            return;
        }
        if el.scroll_top() < NEAR_EDGE_PX && more.get_untracked() {
            loading.set_value(Some(now));
            earlier();
        } else if gap < NEAR_EDGE_PX && newer.get_untracked() {
            loading.set_value(Some(now));
            later();
        }
    };
    let jump = move |_| {
        anchor.set_value(None);
        stick.set_value(true);
        window.set(Window::latest());
    };

    view! {
        <div class="messages" role="log" aria-label="Messages" aria-live="polite" tabindex="0"
            node_ref=log on:scroll=on_scroll>
            <Show when=move || more.get()>
                <button class="btn secondary small day-separator" type="button"
                    on:click=move |_| earlier()>
                    "Load earlier messages"
                </button>
            </Show>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty-conversation">"No messages yet. Say hello!"</p>
            </Show>
            <For each=move || rows.get() key=Row::key children=move |row| {
                let engine = engine.clone();
                row_view(row, engine)
            }/>
            <Show when=move || newer.get()>
                <button class="btn secondary small day-separator" type="button"
                    on:click=move |_| later()>
                    "Show newer messages"
                </button>
                <button class="btn jump-latest" type="button" on:click=jump>
                    "Jump to latest messages"
                </button>
            </Show>
        </div>
    }
}

/// Milliseconds since the page loaded.
fn window_now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

fn row_view(row: Row, engine: Arc<Engine>) -> AnyView {
    match row {
        Row::Day { label, .. } => {
            view! { <div class="day-separator" role="separator">{label}</div> }.into_any()
        }
        Row::Message {
            id,
            body,
            time,
            own,
            state,
            failure,
            author,
            attachment,
            upload,
        } => {
            let retry = {
                let engine = engine.clone();
                move |_| {
                    let engine = engine.clone();
                    spawn_local(async move { engine.retry(id).await });
                }
            };
            let pending_engine = engine.clone();
            let discard = move |_| {
                let engine = engine.clone();
                spawn_local(async move { engine.discard(id).await });
            };
            view! {
                <article class="message" class:own=own data-id=id.to_string()>
                    {author.map(|a| view! { <div class="author">{a}</div> })}
                    {attachment.map(|a| view! { <AttachmentView attachment=*a caption=body.clone()/> })}
                    {upload.map(|u| view! { <PendingFile engine=pending_engine id=id upload=*u/> })}
                    {(!body.is_empty()).then(|| view! { <div class="body">{body.clone()}</div> })}
                    <div class="meta">
                        <span>{time}</span>
                        {state.map(|s| view! { <StateIcon state=s/> })}
                    </div>
                    {failure.map(|why| view! {
                        <div class="failed-row">
                            <span>{format!("Not sent: {why}")}</span>
                            <button class="btn secondary small" type="button" on:click=retry>"Retry"</button>
                            <button class="btn secondary small" type="button" on:click=discard>"Delete"</button>
                        </div>
                    })}
                </article>
            }
            .into_any()
        }
        Row::Note {
            author, body, time, ..
        } => view! {
            <article class="message note" aria-label=format!("Private note by {author}")>
                <div class="author">{format!("Private note · {author}")}</div>
                <div class="body">{body}</div>
                <div class="meta"><span>{time}</span></div>
            </article>
        }
        .into_any(),
    }
}
