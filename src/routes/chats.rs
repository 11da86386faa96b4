//! `/chats` and `/chats/{id}`: the messenger itself, chat list left, conversation right.

use crate::components::account_menu::AccountMenu;
use crate::components::brand::Brand;
use crate::components::chat_list::ChatList;
use crate::components::connection_status::ConnectionStatus;
use crate::components::errors;
use crate::components::new_chat::NewChat;
use crate::components::safety::{BlockedAccounts, Blocks};
use crate::state;
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The two-pane layout around the conversation route.
#[component]
pub fn ChatsLayout() -> impl IntoView {
    let ctx = AppCtx::get();
    let location = use_location();
    // On a phone the conversation pane replaces the list: also while `?with=` opens one.
    let has_conversation = move || {
        location
            .pathname
            .with(|p| p.trim_end_matches('/').len() > "/chats".len())
            || location.query.with(|q| q.get_str("with").is_some())
    };
    let new_chat_open = RwSignal::new(false);
    let blocked_open = RwSignal::new(false);
    // The guard around this page has a session: the list is asked for once, for every view.
    Blocks::provide();

    move || {
        let Some(engine) = ctx.engine.get() else {
            return view! {
                <main class="auth-page">
                    <div class="auth-card">
                        <Brand/>
                        {move || match ctx.engine_error.get() {
                            Some(e) => view! { <p role="alert" class="alert">{e.to_string()}</p> }.into_any(),
                            None => view! { <p class="hint">"Opening your chats…"</p> }.into_any(),
                        }}
                    </div>
                </main>
            }
            .into_any();
        };
        let problem = engine.problem;
        let more = ViewFn::from(move || {
            view! {
                <button type="button" role="menuitem" on:click=move |_| blocked_open.set(true)>"Blocked accounts"</button>
            }
        });
        view! {
            <div class="shell" class:has-conversation=has_conversation>
                <aside class="sidebar">
                    <header class="sidebar-header">
                        <Brand/>
                        <div class="sidebar-actions">
                            <ConnectionStatus status=engine.status/>
                            <button class="btn ghost" type="button"
                                aria-expanded=move || new_chat_open.get().to_string()
                                on:click=move |_| new_chat_open.update(|o| *o = !*o)>
                                <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
                                    <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                                </svg>
                                <span>"New chat"</span>
                            </button>
                            <AccountMenu more=more/>
                        </div>
                    </header>
                    <Show when=move || new_chat_open.get()>
                        <NewChat engine=engine.clone() on_done=Callback::new(move |_| new_chat_open.set(false))/>
                    </Show>
                    {move || problem.get().map(|p| view! { <div class="alert" role="alert">{errors::problem(&p)}</div> })}
                    <ChatList/>
                </aside>
                <main class="main">
                    <Outlet/>
                </main>
                <Show when=move || blocked_open.get()>
                    <BlockedAccounts on_close=Callback::new(move |()| blocked_open.set(false))/>
                </Show>
            </div>
        }
        .into_any()
    }
}

/// `/chats` with no conversation chosen. `/chats?with={handle}` opens the chat with that
/// person or business, starting it if it is new: where a business profile's "Message" leads.
#[component]
pub fn NoConversation() -> impl IntoView {
    let query = use_query_map();
    let with = query.read_untracked().get("with");
    let opening = RwSignal::new(with.clone());
    let error = RwSignal::new(None::<String>);
    if let Some(handle) = with {
        let ctx = AppCtx::get();
        let navigate = use_navigate();
        // Picking another chat meanwhile leaves this pane: the answer must not take over then.
        let left = Arc::new(AtomicBool::new(false));
        on_cleanup({
            let left = left.clone();
            move || left.store(true, Ordering::Relaxed)
        });
        spawn_local(async move {
            let result = match state::online_engine(ctx).await {
                Ok(engine) => engine.start_chat(handle.clone()).await,
                Err(e) => Err(e),
            };
            if left.load(Ordering::Relaxed) {
                return;
            }
            match result {
                Ok(id) => navigate(&format!("/chats/{id}"), crate::urls::replace()),
                Err(e) => {
                    opening.set(None);
                    let e = errors::sentence(&e);
                    error.set(Some(format!("Could not open a chat with @{handle}: {e}")));
                }
            }
        });
    }
    // Shown while the address still asks for that chat ("Back to chats" drops it).
    let failed = move || {
        query
            .read()
            .get_str("with")
            .is_some()
            .then(|| error.get())
            .flatten()
    };
    view! {
        <div class="placeholder-pane">
            <div>
                <Brand/>
                {move || match opening.get() {
                    Some(handle) => view! {
                        <p class="hint" role="status">"Opening your chat with @"{handle}"…"</p>
                    }
                    .into_any(),
                    None => view! {
                        <h2>"Pick a chat"</h2>
                        <p>"Choose a conversation on the left, or start a new one with someone's handle."</p>
                        {move || failed().map(|e| view! {
                            <p class="alert" role="alert">{e}</p>
                            <a class="btn secondary" href="/chats">"Back to chats"</a>
                        })}
                    }
                    .into_any(),
                }}
            </div>
        </div>
    }
}
