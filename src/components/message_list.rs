//! The conversation's messages: a `log` of articles with day separators, times and, for my own
//! messages, their state.

use crate::components::attachment::{AttachmentView, PendingFile};
use crate::components::icons::{MessageState, StateIcon};
use crate::store::{ConversationRecord, Db, OutboxRecord, PendingUpload, StoreError};
use crate::sync::Engine;
use crate::time;
use kontor_protocol::business::Note;
use kontor_protocol::media::Attachment;
use kontor_protocol::{ConversationId, Message, MessageId, NoteId, UserId};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// Everything the conversation view shows, read in one go from the local database.
#[derive(Clone, Debug)]
pub struct ConversationData {
    /// The conversation (None: not on this device, or not ours).
    pub conversation: Option<ConversationRecord>,
    /// The newest stored messages, oldest first.
    pub messages: Vec<Message>,
    /// Unsent messages of this conversation, oldest first.
    pub outbox: Vec<OutboxRecord>,
    /// Older messages than the first shown are stored on this device.
    pub older_here: bool,
}

impl ConversationData {
    /// Reads the newest `limit` messages and the outbox of a conversation.
    pub async fn load(db: &Db, id: ConversationId, limit: usize) -> Result<Self, StoreError> {
        let conversation = db.conversation(id).await?;
        if conversation.is_none() {
            return Ok(Self {
                conversation,
                messages: Vec::new(),
                outbox: Vec::new(),
                older_here: false,
            });
        }
        let messages = db.latest_messages(id, limit).await?;
        // One lookup, not a count: counting a 100,000-message chat walks the whole index.
        let older_here = match messages.first() {
            Some(first) => db.has_older(id, first.seq).await?,
            None => false,
        };
        Ok(Self {
            conversation,
            messages,
            outbox: db.outbox_for(id).await?,
            older_here,
        })
    }
}

impl ConversationData {
    /// Older messages exist: more stored here than shown, or older ones on the server.
    pub fn has_earlier(&self) -> bool {
        self.older_here || self.messages.first().is_some_and(|m| m.seq.0 > 1)
    }

    /// Older messages exist only on the server.
    pub fn earlier_on_server(&self) -> Option<kontor_protocol::Seq> {
        let first = self.messages.first()?;
        (!self.older_here && first.seq.0 > 1).then_some(first.seq)
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
    let mut notes = notes.iter().peekable();
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
    for o in &data.outbox {
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

/// The log. Keeps the view pinned to the newest message unless the reader scrolled up.
#[component]
pub fn MessageList(
    data: LocalResource<Result<ConversationData, StoreError>>,
    me: UserId,
    engine: Arc<Engine>,
    on_load_earlier: Callback<()>,
    /// The team's private notes, shown among the messages (business inbox only).
    #[prop(optional)]
    notes: Option<RwSignal<Vec<Note>>>,
) -> impl IntoView {
    let log = NodeRef::<html::Div>::new();
    let stick = StoredValue::new(true);
    let rows = Memo::new(move |prev: Option<&Vec<Row>>| {
        let notes = notes.map(|n| n.get()).unwrap_or_default();
        match data.get() {
            Some(Ok(d)) => rows(&d, me, &notes),
            _ => prev.cloned().unwrap_or_default(),
        }
    });
    let more = Memo::new(move |_| {
        data.get()
            .and_then(|d| d.ok())
            .is_some_and(|d| d.has_earlier())
    });

    // After the rows change, stay at the bottom if we were there.
    Effect::new(move || {
        rows.track();
        if let Some(el) = log.get()
            && stick.get_value()
        {
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = log.get_untracked() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            stick.set_value(gap < 80);
        }
    };

    view! {
        <div class="messages" role="log" aria-label="Messages" aria-live="polite" tabindex="0"
            node_ref=log on:scroll=on_scroll>
            <Show when=move || more.get()>
                <button class="btn secondary small day-separator" type="button"
                    on:click=move |_| {
                        stick.set_value(false);
                        on_load_earlier.run(());
                    }>
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
        </div>
    }
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
                <article class="message" class:own=own>
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
