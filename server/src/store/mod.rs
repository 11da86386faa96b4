//! SQLite storage: a pool of readers and one writer thread that group-commits.

pub mod business;
pub mod inbox;
pub mod media;
pub mod reads;
mod schema;
mod writer;

pub use reads::{AuthSession, LoginRecord};
pub use writer::{AfterCommit, Finish, Origin, Tx, WriteCmd};

use crate::hub::Hub;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Everything that can go wrong in the store, including the domain refusals a write can end in.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No reader connection could be had.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    /// The writer thread has stopped (the server is shutting down).
    #[error("the storage writer has stopped")]
    WriterGone,
    /// The writer thread could not be started.
    #[error("could not start the storage writer: {0}")]
    Thread(#[from] std::io::Error),
    /// A blocking task panicked or was cancelled.
    #[error("a storage task failed")]
    TaskFailed,
    /// A unique handle is already in use.
    #[error("that handle is taken")]
    HandleTaken,
    /// The user is not a member, or the thing does not exist.
    #[error("not found")]
    NotFound,
    /// No user has this handle.
    #[error("no user has that handle")]
    UnknownHandle,
    /// The request is not allowed.
    #[error("{0}")]
    Invalid(&'static str),
    /// A message id was reused for a different message.
    #[error("that message id was already used for another message")]
    Conflict,
    /// The caller's role does not allow this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A refusal whose reason names things (only for the operator or the caller's own data).
    #[error("{0}")]
    Refused(String),
    /// An invite that was used already or has expired.
    #[error("that invite link was used already or has expired")]
    Gone,
    /// A stored value could not be read back.
    #[error("stored {0} could not be read")]
    Corrupt(&'static str),
}

/// Handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<SqliteConnectionManager>,
    writes: mpsc::Sender<WriteCmd>,
    committed_pos: Arc<AtomicU64>,
}

impl Store {
    /// Opens (creating and migrating) the database file and starts the writer thread.
    pub fn open(path: &Path, hub: Arc<Hub>) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        let committed = schema::max_pos(&conn)?;
        let committed_pos = Arc::new(AtomicU64::new(committed));

        let manager = SqliteConnectionManager::file(path).with_init(|c| schema::configure(c));
        let pool = r2d2::Pool::builder().max_size(8).build(manager)?;

        // Bounded: when the disk cannot keep up, senders wait instead of queueing without limit.
        let (writes, rx) = mpsc::channel(16 * 1024);
        writer::spawn(conn, rx, hub, committed_pos.clone())?;
        Ok(Self {
            pool,
            writes,
            committed_pos,
        })
    }

    /// Highest event position whose commit has finished (and whose events were published).
    pub fn committed_pos(&self) -> u64 {
        self.committed_pos.load(Ordering::Acquire)
    }

    /// Queues a write for the next group commit.
    pub async fn submit(&self, cmd: WriteCmd) -> Result<(), StoreError> {
        self.writes
            .send(cmd)
            .await
            .map_err(|_| StoreError::WriterGone)
    }

    /// Queues a write and waits for its committed result.
    pub async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> WriteCmd,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.submit(make(tx)).await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `work` inside the next group commit and answers its result once committed. Effects
    /// it registers with [`Tx::after_commit`] run only if the commit succeeds.
    pub async fn transact<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let work: writer::Work = Box::new(move |tx: &mut Tx<'_>| {
            let result = work(tx);
            let keep = result.is_ok();
            let effects = tx.take_effects();
            let finish: Finish = Box::new(move |hub, committed| {
                let result = match result {
                    Ok(_) if !committed => Err(StoreError::WriterGone),
                    other => other,
                };
                if result.is_ok() {
                    for effect in effects {
                        effect(hub);
                    }
                }
                let _ = reply.send(result);
            });
            (keep, finish)
        });
        self.submit(WriteCmd::Transact(work)).await?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs a read on a pooled connection off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            f(&conn)
        })
        .await
        .map_err(|_| StoreError::TaskFailed)?
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl StoreError {
    /// The error code and sentence a client is told. Internal details stay in the server log.
    pub fn wire(&self) -> (kontor_protocol::ErrorCode, String) {
        use kontor_protocol::ErrorCode;
        match self {
            StoreError::NotFound => (ErrorCode::NotFound, "No such conversation.".into()),
            StoreError::UnknownHandle => {
                (ErrorCode::UnknownHandle, "Nobody has that handle.".into())
            }
            StoreError::Invalid(why) => (ErrorCode::Invalid, (*why).into()),
            StoreError::Forbidden(why) => (ErrorCode::Forbidden, (*why).into()),
            StoreError::Refused(why) => (ErrorCode::Invalid, why.clone()),
            StoreError::Gone => (ErrorCode::NotFound, self.to_string()),
            StoreError::HandleTaken => (ErrorCode::Invalid, self.to_string()),
            StoreError::Conflict => (ErrorCode::Conflict, self.to_string()),
            StoreError::WriterGone => (
                ErrorCode::Unavailable,
                "The server could not store this now; it will be retried.".into(),
            ),
            StoreError::Sqlite(_)
            | StoreError::Corrupt(_)
            | StoreError::Pool(_)
            | StoreError::TaskFailed
            | StoreError::Thread(_) => (
                ErrorCode::Internal,
                "The server could not store this; nothing was saved.".into(),
            ),
        }
    }
}
