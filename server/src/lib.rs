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
pub mod limits;
mod listen;
pub mod media;
pub mod service;
pub mod shell;
pub mod state;
pub mod workers;
pub mod ws;

use config::Config;
use db::Db;
use hub::Hub;
use shell::AppShell;
use state::AppState;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Frames a connection may have queued before it is considered too slow and dropped.
const CONNECTION_QUEUE: usize = 8 * 1024;

/// Opens the store and builds the shared state.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    private_dir(&config.data_dir)?;
    let limits = &config.limits;
    let hub = Arc::new(Hub::new(
        CONNECTION_QUEUE,
        limits.slow_client_kib.saturating_mul(1024),
        limits.connections_per_user,
    ));
    let guards = Arc::new(limits::Guards::new(limits));
    let db = Db::open(&config.data_dir.join("kontor.sqlite3"))?;
    let shell = Arc::new(AppShell::load(&config.static_dir));
    let media = Arc::new(media::Media::open(&config.data_dir)?);
    Ok(AppState {
        config: Arc::new(config),
        db,
        hub,
        shell,
        guards,
        media,
    })
}

/// Creates the data folder readable by the server's user only (0700), and makes every file the
/// server creates from now on private too (umask 077): the database, its journal, attachments,
/// uploads in progress and the operator's socket.
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Runs the server until Ctrl-C or SIGTERM. Prints the URL once listening.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let state = build_state(config)?;
    let hub = state.hub.clone();
    admin::listen(&state.config.data_dir, state.db.clone(), hub.clone())?;
    spawn_snooze_waker(state.db.clone(), hub.clone());
    spawn_session_purger(state.db.clone());
    service::media::spawn_cleanup(
        state.media.clone(),
        state.db.clone(),
        Duration::from_secs(state.config.limits.unsent_upload_hours.saturating_mul(3600)),
    );
    state.guards.spawn_forgetting();
    let header_timeout = Duration::from_secs(state.config.limits.header_timeout_secs);
    println!("Kontor is running at http://{addr}/");
    std::io::stdout().flush()?;
    let stop = async move {
        shutdown_signal().await;
        // Open WebSockets would hold the graceful shutdown forever: ask them to close.
        hub.close_all("server restarting");
    };
    listen::serve(listener, http::router(state), header_timeout, stop).await;
    Ok(())
}

/// How often snoozed conversations whose time has come are looked for.
const SNOOZE_CHECK_EVERY: Duration = Duration::from_secs(15);

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

/// How often expired and revoked sessions are deleted.
const PURGE_SESSIONS_EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes expired and revoked sessions every [`PURGE_SESSIONS_EVERY`] (and at start).
fn spawn_session_purger(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_SESSIONS_EVERY);
        loop {
            tick.tick().await;
            match service::accounts::purge_sessions(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("deleted {n} expired or revoked sessions"),
                Err(e) => tracing::warn!("deleting old sessions failed: {e}"),
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
