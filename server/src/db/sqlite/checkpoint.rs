//! Write-ahead-log checkpoints on a thread of their own.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that commit
//! then also copies the log into the database file and fsyncs it, and every message waiting for
//! it pays a few milliseconds more (it was most of the writer's p99 at a steady rate). Here the
//! writer's automatic checkpoint is raised to a backstop, and this thread copies the log after
//! commits instead, with its own connection: a passive checkpoint never blocks the writer, and
//! WAL lets the writer append while it runs.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

/// Log pages after which the writer's own commit checkpoints: only if this thread falls behind
/// (SQLite's default, 1,000, is what this thread aims for instead).
pub const WRITER_BACKSTOP_PAGES: u32 = 16_000;

/// Least time between two checkpoints: a checkpoint fsyncs the database file, so under load
/// they are spaced out, and each one copies what a quarter second of commits wrote.
const SPACING: Duration = Duration::from_millis(250);

/// Wakes the checkpoint thread after a commit. Cheap: a full channel means it is already awake.
#[derive(Clone)]
pub struct Nudge(SyncSender<()>);

impl Nudge {
    /// Tells the checkpoint thread that the log grew.
    pub fn committed(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpoint thread on its own connection to `path`. It ends when every
/// [`Nudge`] is dropped (the writer stopped).
pub fn spawn(path: &Path) -> std::io::Result<Nudge> {
    let conn = rusqlite::Connection::open(path).map_err(std::io::Error::other)?;
    super::schema::configure(&conn).map_err(std::io::Error::other)?;
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("kontor-checkpoint".into())
        .spawn(move || run(&conn, &rx))?;
    Ok(Nudge(tx))
}

fn run(conn: &rusqlite::Connection, nudges: &Receiver<()>) {
    let mut last = Instant::now();
    // Blocks while nothing is committed: an idle server does no checkpoints.
    while nudges.recv().is_ok() {
        if let Some(wait) = SPACING.checked_sub(last.elapsed()) {
            std::thread::sleep(wait);
        }
        // Commits that arrived while waiting are covered by this checkpoint.
        match nudges.try_recv() {
            Ok(()) | Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {}
        }
        last = Instant::now();
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!("checkpoint failed: {e}");
        }
    }
    // The writer has stopped: copy what is left, so the next start reads a short log.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}
