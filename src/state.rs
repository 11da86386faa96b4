//! The app-wide state every bundle shares: who is logged in and their engine, provided as
//! context ([`AppCtx`]).
//!
//! Import rule (no cycles): the bundles' roots (`app.rs`, `business_app.rs`, `public_app.rs`)
//! import [`crate::shell`] and [`crate::routes`]; pages (`routes/`) import `components/`, this
//! module, [`crate::urls`] and [`crate::sync`]; `components/` never import `routes/`; no page
//! imports another page (only `routes/mod.rs` names them); [`crate::store`] and [`crate::sync`]
//! import none of the view modules (`routes/`, `components/`, the roots, this module).

use crate::session::{self, Auth};
use crate::store::{ConversationRecord, Db, StoreError};
use crate::sync::{ConnStatus, Engine, SyncError, SyncResult};
use futures::FutureExt;
use kontor_protocol::SessionToken;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// App-wide state, provided as context.
#[derive(Clone, Copy)]
pub struct AppCtx {
    /// The logged-in session, if any.
    pub auth: RwSignal<Option<Auth>>,
    /// The messaging engine of the logged-in account (once its database is open). The public
    /// pages' bundle never starts one.
    pub engine: RwSignal<Option<Arc<Engine>>>,
    /// Why the engine could not start, if it could not.
    pub engine_error: RwSignal<Option<StoreError>>,
    /// The account's own conversations (not a business's customers), re-read after every
    /// change; `None` until the engine runs. One read shared by the chat list and the unread
    /// counter: with a thousand chats each read is a real cost.
    pub chats: LocalResource<Option<Vec<ConversationRecord>>>,
    /// True while logging out: the page gives way to "Logging out…" until this account's local
    /// data is deleted, then the welcome page loads.
    pub leaving: RwSignal<bool>,
}

/// How long logging out waits for the server and the local deletions before leaving the page.
/// Another open tab holding the database delays its deletion until that tab closes it; the
/// request stays queued in the browser.
const LOG_OUT_WAIT_MS: u32 = 3_000;

impl AppCtx {
    /// The state of a page that has just loaded: the saved session, and `engine` with the
    /// `chats` read from it.
    pub(crate) fn new(
        engine: RwSignal<Option<Arc<Engine>>>,
        chats: LocalResource<Option<Vec<ConversationRecord>>>,
    ) -> Self {
        Self {
            auth: RwSignal::new(session::load()),
            engine,
            engine_error: RwSignal::new(None),
            chats,
            leaving: RwSignal::new(false),
        }
    }

    /// The context; every component below a bundle's root has it.
    pub fn get() -> Self {
        expect_context::<AppCtx>()
    }

    /// Records a successful login (the engine starts in the bundles that run one).
    pub fn logged_in(self, auth: Auth) {
        session::save(&auth);
        self.auth.set(Some(auth));
    }

    /// Logs out, then shows the welcome page.
    pub fn log_out(self) {
        self.log_out_to("/");
    }

    /// Logs out: revokes the session, forgets it, deletes this account's local data, then loads
    /// `then`. The page is left only afterwards: leaving it would cancel the requests.
    pub fn log_out_to(self, then: &'static str) {
        let Some(auth) = self.auth.get_untracked() else {
            return;
        };
        if self.leaving.get_untracked() {
            return;
        }
        self.leaving.set(true);
        if let Some(engine) = self.engine.get_untracked() {
            engine.shutdown();
        }
        session::clear();
        spawn_local(async move {
            let cleanup = futures::future::join3(
                crate::sync::account::logout(&auth.token),
                Db::delete(auth.user.id),
                crate::sync::media::clear(auth.user.id),
            );
            futures::select! {
                _ = cleanup.fuse() => {}
                _ = gloo_timers::future::TimeoutFuture::new(LOG_OUT_WAIT_MS).fuse() => {}
            }
            let _ = window().location().replace(then);
        });
    }
}

/// How often [`engine`] and [`online_engine`] look again while they wait.
const WAIT_STEP_MS: u32 = 100;
/// How many steps [`engine`] waits for the database to open (30 s).
const ENGINE_WAIT_STEPS: u32 = 300;
/// How many steps [`online_engine`] waits for the connection (10 s).
const ONLINE_WAIT_STEPS: u32 = 100;

/// The session token, or [`SyncError::LoggedOut`].
pub fn token(ctx: AppCtx) -> SyncResult<SessionToken> {
    ctx.auth
        .try_get_untracked()
        .flatten()
        .map(|a| a.token)
        .ok_or(SyncError::LoggedOut)
}

/// The logged-in account's engine, waiting (up to 30 s) while it opens its database.
pub async fn engine(ctx: AppCtx) -> SyncResult<Arc<Engine>> {
    for _ in 0..ENGINE_WAIT_STEPS {
        if let Some(engine) = ctx.engine.try_get_untracked().flatten() {
            return Ok(engine);
        }
        if let Some(e) = ctx.engine_error.try_get_untracked().flatten() {
            return Err(SyncError::Storage(e));
        }
        if ctx.auth.try_with_untracked(Option::is_none).unwrap_or(true) {
            return Err(SyncError::LoggedOut);
        }
        gloo_timers::future::TimeoutFuture::new(WAIT_STEP_MS).await;
    }
    Err(SyncError::Starting)
}

/// The engine once its connection is live (waiting up to 10 s more), for requests that need the
/// server; after that the engine's own request reports being offline.
pub async fn online_engine(ctx: AppCtx) -> SyncResult<Arc<Engine>> {
    let engine = engine(ctx).await?;
    for _ in 0..ONLINE_WAIT_STEPS {
        if engine.status.try_get_untracked() == Some(ConnStatus::Online) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(WAIT_STEP_MS).await;
    }
    Ok(engine)
}
