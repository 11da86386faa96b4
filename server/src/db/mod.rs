//! Storage: what the services may ask of the database, and the SQLite backend that answers.
//!
//! The boundary is the set of traits in [`data`]: one per area (accounts, conversations,
//! messages, inbox, businesses, uploads), gathered in [`Data`]. Services see only those traits,
//! inside a [`Tx`] for writes (with event positions and effects to run after the commit) or on a
//! read connection for reads. [`sqlite`] implements them with one writer thread that
//! group-commits and a pool of readers; a second backend implements the same traits and its own
//! engine. Nothing in here checks permissions or knows about frames and connections.

pub mod data;
pub mod model;
pub mod sqlite;
mod tx;

pub use data::{Accounts, Businesses, Conversations, Data, Inbox, Messages, Safety, Uploads};
pub use model::*;
pub use sqlite::Db;
pub use tx::{AfterCommit, Finish, Tx, Work};

/// What can go wrong in storage itself. Refusals (not found, not allowed) are the services'.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No reader connection could be had.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
    /// The writer has stopped (the server is shutting down), or the commit failed.
    #[error("the storage writer has stopped")]
    WriterGone,
    /// The writer thread could not be started.
    #[error("could not start the storage writer: {0}")]
    Thread(#[from] std::io::Error),
    /// A blocking task panicked or was cancelled.
    #[error("a storage task failed")]
    TaskFailed,
    /// A stored value could not be read back.
    #[error("stored {0} could not be read")]
    Corrupt(&'static str),
}

/// Results of storage calls.
pub type DbResult<T> = Result<T, DbError>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
