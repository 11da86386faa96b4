//! The Kontor server: accounts, live messaging over WebSockets, SQLite storage with group commit,
//! and the web app's files.
//!
//! Layers: [`http`] and [`ws`] decode requests and frames and call [`service`], which holds the
//! rules and says what is published after each commit; [`service`] reaches storage only through
//! the traits of [`db`] (SQLite: one writer thread with group commit, pooled readers) and
//! connections only through the [`hub`] (live connections and ordered fan-out). [`media`] keeps
//! the attachment files. See `docs/architecture.md`.

pub mod admin;
pub mod auth;
pub mod business;
pub mod config;
pub mod db;
pub mod http;
pub mod hub;
pub mod media;
pub mod service;
pub mod shell;
pub mod state;
pub mod ws;

use config::Config;
use db::Db;
use hub::Hub;
use shell::AppShell;
use state::AppState;
use std::io::Write;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Password hashes computed at once (argon2id takes 19 MiB each).
const PASSWORD_SLOTS: usize = 2;

/// Frames a connection may have queued before it is considered too slow and dropped.
const CONNECTION_QUEUE: usize = 8 * 1024;

/// Opens the store and builds the shared state.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)?;
    let hub = Arc::new(Hub::new(CONNECTION_QUEUE));
    let db = Db::open(&config.data_dir.join("kontor.sqlite3"))?;
    let shell = Arc::new(AppShell::load(&config.static_dir));
    let media = Arc::new(media::Media::open(&config.data_dir)?);
    Ok(AppState {
        config: Arc::new(config),
        db,
        hub,
        shell,
        password_slots: Arc::new(Semaphore::new(PASSWORD_SLOTS)),
        media,
    })
}

/// Runs the server until Ctrl-C or SIGTERM. Prints the URL once listening.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let state = build_state(config)?;
    let hub = state.hub.clone();
    admin::listen(&state.config.data_dir, state.db.clone(), hub.clone())?;
    spawn_snooze_waker(state.db.clone(), hub.clone());
    service::media::spawn_cleanup(state.media.clone(), state.db.clone());
    println!("Kontor is running at http://{addr}/");
    std::io::stdout().flush()?;
    // Chat frames are small: without TCP_NODELAY, Nagle's algorithm holds them back for tens of
    // milliseconds waiting for delayed acks.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
    });
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open WebSockets would hold the graceful shutdown forever: ask them to close.
            hub.close_all("server restarting");
        })
        .await?;
    Ok(())
}

/// How often snoozed conversations whose time has come are looked for.
const SNOOZE_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Reopens snoozed conversations whose time has come, every [`SNOOZE_CHECK_EVERY`].
fn spawn_snooze_waker(db: Db, hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SNOOZE_CHECK_EVERY);
        loop {
            tick.tick().await;
            let hub = hub.clone();
            let woken = db.transact(move |tx| service::inbox::wake_snoozed(tx, &hub));
            if let Err(e) = woken.await {
                tracing::warn!("waking snoozed conversations failed: {e}");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
