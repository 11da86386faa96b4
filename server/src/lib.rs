//! The Kontor server: accounts, live messaging over WebSockets, SQLite storage with group commit,
//! and the web app's files.
//!
//! Layout: [`http`] holds the routes, [`ws`] the WebSocket sessions, [`store`] the database (one
//! writer thread, pooled readers), [`hub`] the live connections and fan-out, [`media`] the
//! attachment files.

pub mod admin;
pub mod auth;
pub mod business;
pub mod config;
pub mod http;
pub mod hub;
pub mod media;
pub mod state;
pub mod store;
pub mod ws;

use config::Config;
use http::app_shell::AppShell;
use hub::Hub;
use state::AppState;
use std::io::Write;
use std::sync::Arc;
use store::Store;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Frames a connection may have queued before it is considered too slow and dropped.
const CONNECTION_QUEUE: usize = 8 * 1024;

/// Opens the store and builds the shared state.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)?;
    let hub = Arc::new(Hub::new(CONNECTION_QUEUE));
    let store = Store::open(&config.data_dir.join("kontor.sqlite3"), hub.clone())?;
    let shell = Arc::new(AppShell::load(&config.static_dir));
    let media = Arc::new(media::Media::open(&config.data_dir)?);
    Ok(AppState {
        config: Arc::new(config),
        store,
        hub,
        shell,
        password_slots: Arc::new(Semaphore::new(2)),
        media,
    })
}

/// Runs the server until Ctrl-C or SIGTERM. Prints the URL once listening.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let state = build_state(config)?;
    let hub = state.hub.clone();
    admin::listen(&state.config.data_dir, state.store.clone())?;
    spawn_snooze_waker(state.store.clone());
    media::spawn_cleanup(state.media.clone(), state.store.clone());
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

/// Reopens snoozed conversations whose time has come, checking every 15 seconds.
fn spawn_snooze_waker(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = store.transact(store::inbox::wake_snoozed).await {
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
