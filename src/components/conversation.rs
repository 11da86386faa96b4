//! One conversation: header, messages, composer. The messenger's `/chats/{id}` shows it, and the
//! business inbox with its team extras (toolbar, notes, quick replies).

use crate::components::composer::{Composer, files_of};
use crate::components::message_list::{ConversationData, MessageList, Window};
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::sync::Engine;
use kontor_protocol::ConversationId;
use kontor_protocol::business::{Note, QuickReply};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The conversation header: the other party.
#[derive(Clone, Debug, Default, PartialEq)]
struct Header {
    title: String,
    handle: String,
    verified: bool,
    logo: Option<String>,
}

/// A conversation that does not exist here, or that this account is not in.
#[component]
pub fn Unavailable() -> impl IntoView {
    view! {
        <div class="placeholder-pane">
            <div>
                <h2>"Conversation not available"</h2>
                <p role="alert">"This conversation does not exist, or you are not in it."</p>
                <a class="btn secondary" href="/chats">"Back to chats"</a>
            </div>
        </div>
    }
}

/// One conversation: header, messages, composer. The business inbox adds its extras.
#[component]
pub fn Conversation(
    engine: Arc<Engine>,
    id: ConversationId,
    /// Where the back arrow leads.
    #[prop(optional, into)]
    back: Option<String>,
    /// Team controls shown in the header (business inbox).
    #[prop(optional)]
    toolbar: Option<ViewFn>,
    /// The team's private notes (business inbox).
    #[prop(optional)]
    notes: Option<RwSignal<Vec<Note>>>,
    /// Quick replies offered after "/" (business inbox).
    #[prop(optional)]
    quick_replies: Option<Signal<Vec<QuickReply>>>,
    /// Whether the composer writes private notes (business inbox).
    #[prop(optional)]
    note_mode: Option<RwSignal<bool>>,
    /// A line under the name instead of the handle, when set (who is viewing or typing).
    #[prop(optional)]
    status_line: Option<Signal<Option<String>>>,
    /// While true, `locked_view` shows instead of the composer (the other party is blocked).
    #[prop(optional)]
    locked: Option<Signal<bool>>,
    /// What shows instead of the composer while `locked`.
    #[prop(optional)]
    locked_view: Option<ViewFn>,
) -> impl IntoView {
    let back = back.unwrap_or_else(|| "/chats".to_string());
    let window = RwSignal::new(Window::latest());
    let revision = engine.revision;
    let db = engine.db.clone();
    let me = engine.me.id;
    let data = LocalResource::new(move || {
        revision.track();
        let window = window.get();
        let db = db.clone();
        async move { ConversationData::load(&db, id, window).await }
    });

    // This conversation is on screen: arriving messages are read, and so is what is here now.
    engine.open_conversation.set(Some(id));
    {
        let engine = engine.clone();
        spawn_local(async move { engine.mark_read(id).await });
    }
    let visibility = {
        let engine = engine.clone();
        window_event_listener(leptos::ev::visibilitychange, move |_| {
            let engine = engine.clone();
            spawn_local(async move { engine.mark_read(id).await });
        })
    };
    {
        let open = engine.open_conversation;
        on_cleanup(move || {
            visibility.remove();
            if open.get_untracked() == Some(id) {
                open.set(None);
            }
        });
    }

    let typing = {
        let engine = engine.clone();
        move || engine.typing_in(id)
    };

    /// What the pane shows; `None` while (re)loading keeps the previous answer, so the composer
    /// is never torn down while someone types.
    #[derive(Clone, Copy, PartialEq)]
    enum Shown {
        Loading,
        Missing,
        Failed,
        Ready,
    }
    let shown = Memo::new(move |prev: Option<&Shown>| match data.get() {
        None => prev.copied().unwrap_or(Shown::Loading),
        Some(Ok(d)) if d.conversation.is_none() => Shown::Missing,
        Some(Ok(_)) => Shown::Ready,
        Some(Err(_)) => Shown::Failed,
    });
    let header = Memo::new(move |prev: Option<&Header>| {
        data.get()
            .and_then(|d| d.ok())
            .and_then(|d| d.conversation)
            .map(|c| Header {
                title: c.title,
                handle: c.peer_handle,
                verified: c.verified,
                logo: c.logo,
            })
            .or_else(|| prev.cloned())
            .unwrap_or_default()
    });

    // Older messages: from this device when it has them, else from the server first.
    let load_earlier = {
        let engine = engine.clone();
        Callback::new(move |_| {
            let engine = engine.clone();
            let Some(shown) = data.get_untracked().and_then(|d| d.ok()) else {
                return;
            };
            let on_server = shown.earlier_on_server();
            let next = window.get_untracked().earlier(&shown.messages);
            spawn_local(async move {
                if let Some(before) = on_server
                    && let Err(e) = engine.load_history(id, before).await
                {
                    engine.problem.set(Some(e.into()));
                    return;
                }
                window.set(next);
            });
        })
    };

    move || match shown.get() {
        Shown::Loading => view! { <div class="placeholder-pane"></div> }.into_any(),
        Shown::Missing => view! { <Unavailable/> }.into_any(),
        Shown::Failed => view! {
            <div class="placeholder-pane">
                <p role="alert">"Could not read this conversation from the browser's storage."</p>
            </div>
        }
        .into_any(),
        Shown::Ready => {
            let typing = typing.clone();
            let toolbar = toolbar.clone();
            let drop_engine = engine.clone();
            let dragging = RwSignal::new(false);
            view! {
                <section class="conversation main" class:dragging=move || dragging.get()
                    on:dragover=move |ev: leptos::ev::DragEvent| {
                        // Only files are accepted here; saying so lets the drop happen.
                        if ev.data_transfer().is_some_and(|d| d.types().includes(&"Files".into(), 0)) {
                            ev.prevent_default();
                            dragging.set(true);
                        }
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        dragging.set(false);
                        let files = files_of(ev.data_transfer().and_then(|d| d.files()));
                        if files.is_empty() {
                            return;
                        }
                        ev.prevent_default();
                        let engine = drop_engine.clone();
                        spawn_local(async move {
                            if let Err(e) = engine.send_files(id, files, String::new()).await {
                                engine.problem.set(Some(e.into()));
                            }
                        });
                    }>
                    <header class="conversation-header">
                        <a class="btn ghost back-link" href=back.clone()
                            aria-label=if back.starts_with("/biz/") { "Back to inbox" } else { "Back to chats" }>"←"</a>
                        {move || {
                            let h = header.get();
                            view! { <PartyAvatar name=h.title key=h.handle logo=h.logo/> }
                        }}
                        <div>
                            <h2>
                                {move || header.get().title}
                                {move || header.get().verified.then(|| view! { <VerifiedBadge/> })}
                            </h2>
                            <div class="sub">
                                {move || if typing() {
                                    view! { <span class="typing">"typing…"</span> }.into_any()
                                } else if let Some(line) = status_line.and_then(|s| s.get()) {
                                    view! { <span class="presence">{line}</span> }.into_any()
                                } else {
                                    view! { <span>{format!("@{}", header.get().handle)}</span> }.into_any()
                                }}
                            </div>
                        </div>
                        {toolbar.map(|t| view! { <div class="toolbar">{t.run()}</div> })}
                    </header>
                    <MessageList data=data me=me engine=engine.clone() conversation_id=id window=window
                        on_load_earlier=load_earlier notes=notes.unwrap_or_else(|| RwSignal::new(Vec::new()))/>
                    {
                        let engine = engine.clone();
                        let locked_view = locked_view.clone();
                        move || match (locked.is_some_and(|l| l.get()), &locked_view) {
                            (true, Some(instead)) => instead.run(),
                            _ => view! {
                                <Composer engine=engine.clone() conversation_id=id
                                    quick_replies=quick_replies.unwrap_or_else(|| Signal::derive(Vec::new))
                                    note_mode=note_mode.unwrap_or_else(|| RwSignal::new(false))/>
                            }
                            .into_any(),
                        }
                    }
                </section>
            }
            .into_any()
        }
    }
}
