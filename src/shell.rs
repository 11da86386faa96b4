//! The frame every bundle shares: the context, the update banner, "Logging out…", the engine of
//! the logged-in account, and what a bundle shows for a path it has no page for.
//!
//! The web app ships as three bundles sharing this crate, one per page
//! ([`kontor_protocol::pages::Page`]): the public pages a first visit lands on
//! ([`crate::public_app::PublicApp`], `index.html`: welcome, login, business profiles), the
//! messenger ([`crate::app::App`], `chats.html`) and the business dashboard
//! ([`crate::business_app::BusinessApp`], `business.html`). So a visitor downloads only the
//! code of what they open: the welcome page carries no local database or connection, and a
//! customer never the team inbox. Each bundle routes only its own pages; a link into another
//! one loads it in full ([`Elsewhere`]).

use crate::state::AppCtx;
use crate::store::ConversationRecord;
use crate::sync::Engine;
use crate::urls::path_and_query;
use kontor_protocol::pages::Page;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use std::sync::Arc;

/// The frame every bundle shares: the context, the update banner (`update_ready` turns true
/// when a new version has been installed) and "Logging out…".
fn frame(ctx: AppCtx, update_ready: RwSignal<bool>, children: ChildrenFn) -> impl IntoView {
    provide_context(ctx);
    view! {
        <Show when=move || update_ready.get()>
            <div class="update-banner">
                <span>"A new version of Kontor is ready."</span>
                <button class="btn small" type="button"
                    on:click=|_| crate::pwa::apply_update()>
                    "Reload to update"
                </button>
            </div>
        </Show>
        <Show when=move || !ctx.leaving.get() fallback=|| view! {
            <main class="auth-page">
                <div class="auth-card">
                    <p class="hint" role="status">"Logging out…"</p>
                </div>
            </main>
        }>
            {children()}
        </Show>
    }
}

/// The frame of the public pages: who is logged in, no engine (the pages that need one are
/// another bundle's).
#[component]
pub fn PublicShell(update_ready: RwSignal<bool>, children: ChildrenFn) -> impl IntoView {
    let ctx = AppCtx::new(RwSignal::new(None), LocalResource::new(|| async { None }));
    frame(ctx, update_ready, children)
}

/// The frame of the messenger and the dashboard: the engine of the logged-in account and the
/// unread counter, on top of [`PublicShell`]'s.
#[component]
pub fn Shell(update_ready: RwSignal<bool>, children: ChildrenFn) -> impl IntoView {
    let engine = RwSignal::new(None::<Arc<Engine>>);
    let chats = LocalResource::new(move || {
        let engine = engine.get();
        if let Some(e) = &engine {
            e.revision.track();
        }
        async move {
            let engine = engine?;
            let mut list = engine.db.conversations().await.unwrap_or_default();
            list.retain(ConversationRecord::is_personal);
            Some(list)
        }
    });
    let ctx = AppCtx::new(engine, chats);

    // One engine per logged-in account, started when the account is known.
    Effect::new(move || {
        let Some(auth) = ctx.auth.get() else { return };
        if ctx.leaving.get_untracked()
            || ctx
                .engine
                .get_untracked()
                .is_some_and(|e| e.me.id == auth.user.id)
        {
            return;
        }
        spawn_local(async move {
            match Engine::start(auth).await {
                // Logged out while it started: it must not keep the database open.
                Ok(engine) if ctx.leaving.get_untracked() => engine.shutdown(),
                Ok(engine) => {
                    ctx.engine_error.set(None);
                    ctx.engine.set(Some(engine));
                }
                Err(e) => ctx.engine_error.set(Some(e)),
            }
        });
    });
    // The server ended the session (revoked, expired): to the login page.
    Effect::new(move || {
        if let Some(engine) = ctx.engine.get()
            && engine.session_ended.get()
        {
            ctx.log_out_to("/login");
        }
    });

    let frame = frame(ctx, update_ready, children);
    view! {
        <Attention chats=chats/>
        {frame}
    }
}

/// The path this document was loaded at (the router's pushes do not change it).
fn loaded_at() -> Option<String> {
    let entries = window().performance()?.get_entries_by_type("navigation");
    let name = js_sys::Reflect::get(&entries.get(0), &"name".into()).ok()?;
    web_sys::Url::new(&name.as_string()?)
        .ok()
        .map(|u| u.pathname())
}

/// A path this bundle has no page for: another bundle's pages load in full (replacing the
/// history entry the router just made, so Back still works); a short link `/@{handle}` shows
/// that business's profile; anything else is not found.
#[component]
pub fn Elsewhere(this: Page) -> impl IntoView {
    // The router's location: the address bar may not show the new path yet.
    let location = use_location();
    let path = location.pathname.get_untracked();
    if let Some(handle) = path.strip_prefix("/@") {
        // The server redirects these, but the service worker answers from its cache. (The
        // router does not take a navigation from its own fallback while it renders.)
        let _ = window().location().replace(&format!("/b/{handle}"));
        return None;
    }
    // Loading the path again would bring this same bundle (a build without the other page, or
    // its file name typed in): not found, rather than reloading forever.
    if Page::of(&path) != this && loaded_at().as_deref() != Some(path.as_str()) {
        let _ = window().location().replace(&path_and_query(&location));
        return None;
    }
    Some(view! { <NotFound/> })
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <h1>"Page not found"</h1>
                <p role="alert">"There is nothing at this address."</p>
                <a class="btn" href="/">"Go to Kontor"</a>
            </div>
        </main>
    }
}

/// Keeps the unread total in the document title and on the installed app's icon.
#[component]
fn Attention(chats: LocalResource<Option<Vec<ConversationRecord>>>) -> impl IntoView {
    let total = Memo::new(move |_| {
        chats.with(|c| c.iter().flatten().flatten().map(|c| c.unread).sum::<u32>())
    });
    Effect::new(move || {
        let unread = total.get();
        document().set_title(&if unread > 0 {
            format!("({unread}) Kontor")
        } else {
            "Kontor".to_string()
        });
        crate::pwa::set_badge(unread);
    });
}
