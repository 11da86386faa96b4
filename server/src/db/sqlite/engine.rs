//! The single writer thread and its group commit.
//!
//! Every write goes through one thread that owns the write connection. It takes all units of
//! work that queued up while the previous commit was being flushed, runs them in one transaction
//! (each in its own savepoint, so one refusal does not undo the others), commits once, and only
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
    mut conn: Connection,
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
        let ok = match commit_batch(&mut conn, &mut state, &mut batch, &mut finishes) {
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
    conn: &mut Connection,
    state: &mut TxState,
    batch: &mut Vec<Work>,
    finishes: &mut Vec<Finish>,
) -> rusqlite::Result<()> {
    let mut tx = conn.transaction()?;
    for work in batch.drain(..) {
        let mut sp = tx.savepoint()?;
        let start = state.next_pos;
        let (keep, finish) = {
            let data = Sql(&sp);
            let mut unit = Tx::new(&data, state);
            work(&mut unit)
        };
        if keep {
            sp.commit()?;
        } else {
            state.next_pos = start;
            sp.rollback()?;
        }
        finishes.push(finish);
    }
    tx.commit()
}
