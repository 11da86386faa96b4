//! The root components and the app-wide state (who is logged in, their engine).
//!
//! The web app ships as two bundles sharing this crate: the messenger ([`App`], `index.html`) and
//! the business dashboard ([`crate::business_app::BusinessApp`], `business.html`), so a
//! customer's first visit does not download the team inbox, settings and statistics. Each bundle
//! routes only its own pages; a link into the other one loads it in full ([`Elsewhere`]).

use crate::routes::{business_profile, chats, conversation, login, welcome};
use crate::session::{self, Auth};
use crate::store::{ConversationRecord, Db};
use crate::sync::Engine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use std::sync::Arc;

/// App-wide state, provided as context.
#[derive(Clone, Copy)]
pub struct AppCtx {
    /// The logged-in session, if any.
    pub auth: RwSignal<Option<Auth>>,
    /// The messaging engine of the logged-in account (once its database is open).
    pub engine: RwSignal<Option<Arc<Engine>>>,
    /// Why the engine could not start, if it could not.
    pub engine_error: RwSignal<Option<String>>,
    /// The account's own conversations (not a business's customers), re-read after every
    /// change; `None` until the engine runs. One read shared by the chat list and the unread
    /// counter: with a thousand chats each read is a real cost.
    pub chats: LocalResource<Option<Vec<ConversationRecord>>>,
}

impl AppCtx {
    /// The context; every component below [`App`] has it.
    pub fn get() -> Self {
        expect_context::<AppCtx>()
    }

    /// Records a successful login and starts the engine.
    pub fn logged_in(self, auth: Auth) {
        session::save(&auth);
        self.auth.set(Some(auth));
    }

    /// Logs out: revokes the session, forgets it and deletes this account's local data.
    pub fn log_out(self) {
        let Some(auth) = self.auth.get_untracked() else {
            return;
        };
        if let Some(engine) = self.engine.get_untracked() {
            engine.shutdown();
        }
        self.engine.set(None);
        session::clear();
        self.auth.set(None);
        spawn_local(async move {
            crate::api::logout(&auth.token).await;
            let _ = Db::delete(auth.user.id).await;
            crate::media::clear(auth.user.id).await;
        });
    }
}

/// Which bundle serves a path ([`kontor_protocol::pages`], the server's rule too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// `index.html`: chats, login, public business profiles.
    Messenger,
    /// `business.html`: `/biz…` and `/join/…`.
    Business,
}

impl Bundle {
    /// The bundle that serves `path`.
    pub fn of(path: &str) -> Self {
        if kontor_protocol::pages::is_business_page(path) {
            Bundle::Business
        } else {
            Bundle::Messenger
        }
    }
}

/// The frame both bundles share: app-wide state, the engine of the logged-in account, the
/// update banner and the unread counter. `update_ready` turns true when a new version has been
/// installed.
#[component]
pub fn Shell(update_ready: RwSignal<bool>, children: Children) -> impl IntoView {
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
    let ctx = AppCtx {
        auth: RwSignal::new(session::load()),
        engine,
        engine_error: RwSignal::new(None),
        chats,
    };
    provide_context(ctx);

    // One engine per logged-in account, started when the account is known.
    Effect::new(move || {
        let Some(auth) = ctx.auth.get() else { return };
        if ctx
            .engine
            .get_untracked()
            .is_some_and(|e| e.me.id == auth.user.id)
        {
            return;
        }
        spawn_local(async move {
            match Engine::start(auth).await {
                Ok(engine) => {
                    ctx.engine_error.set(None);
                    ctx.engine.set(Some(engine));
                }
                Err(e) => ctx.engine_error.set(Some(e.to_string())),
            }
        });
    });
    // The server ended the session (revoked, expired): back to the login page.
    Effect::new(move || {
        if let Some(engine) = ctx.engine.get()
            && engine.session_ended.get()
        {
            ctx.log_out();
        }
    });

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
        <Attention/>
        {children()}
    }
}

/// The messenger bundle.
#[component]
pub fn App(update_ready: RwSignal<bool>) -> impl IntoView {
    view! {
        <Shell update_ready=update_ready>
            <Router>
                <Routes fallback=|| view! { <Elsewhere this=Bundle::Messenger/> }>
                    <Route path=path!("/") view=welcome::Home/>
                    <Route path=path!("/login") view=login::Login/>
                    <Route path=path!("/register") view=login::Register/>
                    <ParentRoute path=path!("/chats") view=chats::ChatsLayout>
                        <Route path=path!("") view=chats::NoConversation/>
                        <Route path=path!(":id") view=conversation::ConversationPane/>
                    </ParentRoute>
                    <Route path=path!("/b/:handle") view=business_profile::BusinessProfilePage/>
                </Routes>
            </Router>
        </Shell>
    }
}

/// A path this bundle has no page for: the other bundle's pages load in full (replacing the
/// history entry the router just made, so Back still works); anything else is not found.
#[component]
pub fn Elsewhere(this: Bundle) -> impl IntoView {
    // The router's location: the address bar may not show the new path yet.
    let location = use_location();
    let path = location.pathname.get_untracked();
    if Bundle::of(&path) != this {
        let search = location.search.get_untracked();
        let target = if search.is_empty() {
            path
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        };
        let _ = window().location().replace(&target);
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
fn Attention() -> impl IntoView {
    let chats = AppCtx::get().chats;
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
