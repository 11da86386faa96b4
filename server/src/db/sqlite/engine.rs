//! The single writer thread and its group commit.
//!
//! Every write goes through one thread that owns the write connection. It takes all units of
//! work that queued up while the previous commit was being flushed, runs them in one transaction
//! (a refusal, which comes before any write, leaves the others be), commits once, and only
//! then lets each finish (acknowledge, publish) in order. Under load this turns many fsyncs into
//! one; at rest a lone message is committed at once. The engine knows nothing of what the work
//! does: the services' closures bring their rules and their effects.

use super::Sql;
use crate::db::tx::TxState;
use crate::db::{Finish, Tx, Work};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Most units of work folded into one transaction.
const MAX_BATCH: usize = 2048;

/// Starts the writer thread.
pub fn spawn(
    conn: Connection,
    rx: mpsc::Receiver<Work>,
    committed: Arc<AtomicU64>,
    state: TxState,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("kontor-writer".into())
        .spawn(move || run(conn, rx, committed, state))?;
    Ok(())
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Work>,
    committed: Arc<AtomicU64>,
    mut state: TxState,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut finishes: Vec<Finish> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(work) => batch.push(work),
                Err(_) => break,
            }
        }
        let first_pos = state.next_pos;
        let ok = match commit_batch(&conn, &mut state, &mut batch, &mut finishes) {
            Ok(()) => {
                // Publish the new high-water mark before the effects: a connection that
                // registers meanwhile either reads it and catches up from the database, or
                // gets the event.
                committed.store(state.next_pos - 1, Ordering::Release);
                true
            }
            Err(e) => {
                tracing::error!("group commit failed: {e}");
                state.next_pos = first_pos;
                state.audiences.clear();
                false
            }
        };
        for finish in finishes.drain(..) {
            finish(ok);
        }
        // Work never run (the transaction could not even start) is dropped: dropping a closure
        // drops its reply channel, so its caller learns that the writer failed.
        batch.clear();
    }
}

fn commit_batch(
    conn: &Connection,
    state: &mut TxState,
    batch: &mut Vec<Work>,
    finishes: &mut Vec<Finish>,
) -> rusqlite::Result<()> {
    let result = run_batch(conn, state, batch, finishes);
    if result.is_err() && !conn.is_autocommit() {
        let _ = exec(conn, "ROLLBACK");
    }
    result
}

/// One transaction for the batch. Units run without savepoints: a savepoint makes SQLite copy
/// every page a unit touches first into a statement journal (4 KiB each: the largest share of
/// the writer's copying under load), to undo what almost never needs undoing. Services check
/// before they write, so a refusal has nothing to undo; a unit that refuses after writing (or
/// fails mid-way) cannot be undone alone, and then the whole batch rolls back and every unit in
/// it is answered as if the writer had failed (callers retry; sends are idempotent by id).
/// The statements are prepared once (rusqlite's `transaction()` compiles them on every call).
fn run_batch(
    conn: &Connection,
    state: &mut TxState,
    batch: &mut Vec<Work>,
    finishes: &mut Vec<Finish>,
) -> rusqlite::Result<()> {
    let alone = batch.len() == 1;
    exec(conn, "BEGIN IMMEDIATE")?;
    for work in batch.drain(..) {
        let start = state.next_pos;
        let changes = conn.total_changes();
        let (keep, finish) = {
            let data = Sql(conn);
            let mut unit = Tx::new(&data, state);
            work(&mut unit)
        };
        finishes.push(finish);
        if !keep {
            state.next_pos = start;
            if alone {
                return exec(conn, "ROLLBACK");
            }
            if conn.total_changes() != changes {
                tracing::error!("a unit of work failed after writing: its batch is rolled back");
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                    Some("a unit of work failed after writing".into()),
                ));
            }
        }
    }
    exec(conn, "COMMIT")
}

fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}
