//! The local database (IndexedDB): what the UI renders from, before and without the network.
//!
//! One database per account (`kontor-{user id}`), so two people sharing a browser never see each
//! other's chats. Stores: `conversations`, `messages` (indexed by conversation and sequence),
//! `outbox` (messages written but not yet acknowledged), `upload_blobs` (their files while they
//! upload), `inbox` (business inbox items seen, a cache of the server's pages) and `meta` (the
//! resume cursor). Everything
//! a server event changes is written in one transaction, cursor included, so a crash can never
//! leave the cursor ahead of the data.

mod apply;
mod conversations;
mod inbox;
mod messages;
mod outbox;
mod schema;

pub use apply::{ReceiptMark, Received};
pub use conversations::{ConversationRecord, Preview};
pub use inbox::matches as inbox_matches;
pub use messages::WindowRead;
pub use outbox::{OutboxRecord, PendingUpload};

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{
    Transaction, TransactionDurability, TransactionMode, TransactionOptions,
};
use kontor_protocol::{Pos, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Store names.
pub(crate) const CONVERSATIONS: &str = "conversations";
pub(crate) const MESSAGES: &str = "messages";
pub(crate) const OUTBOX: &str = "outbox";
pub(crate) const META: &str = "meta";
pub(crate) const UPLOAD_BLOBS: &str = "upload_blobs";
pub(crate) const INBOX: &str = "inbox";
/// Index of `inbox` on `[business, last_activity]`.
pub(crate) const BY_BUSINESS_ACTIVITY: &str = "by_business_activity";
/// Index of `messages` on `[conversation_id, seq]`.
pub(crate) const BY_CONVERSATION_SEQ: &str = "by_conversation_seq";
/// Index of `outbox` on `conversation_id`.
pub(crate) const BY_CONVERSATION: &str = "by_conversation";

/// What can go wrong with the local database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum StoreError {
    /// The browser offers no IndexedDB (private mode in some browsers, or disabled).
    #[error("this browser does not allow local storage, so Kontor cannot keep your messages")]
    Unavailable,
    /// The origin's storage quota is used up.
    #[error("the browser's storage for Kontor is full")]
    QuotaExceeded,
    /// Any other IndexedDB failure.
    #[error("local database error: {0}")]
    Database(String),
}

/// The DOMException name browsers give a write over the origin's storage quota.
const QUOTA_EXCEEDED: &str = "QuotaExceededError";

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        use indexed_db_futures::error::Error;
        use wasm_bindgen::JsCast;
        let quota = match &e {
            Error::DomException(d) => {
                let js: &wasm_bindgen::JsValue = d.as_ref();
                js.dyn_ref::<web_sys::DomException>()
                    .is_some_and(|d| d.name() == QUOTA_EXCEEDED)
            }
            _ => false,
        };
        if quota {
            StoreError::QuotaExceeded
        } else {
            StoreError::Database(e.to_string())
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        use indexed_db_futures::error::OpenDbError;
        match e {
            OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
                StoreError::Unavailable
            }
            OpenDbError::Base(e) => e.into(),
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// Result of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The `meta` store's one record: how far this device has applied the server's event stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CursorRecord {
    key: String,
    pos: Pos,
}

const CURSOR_KEY: &str = "cursor";

/// An open local database of one account. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    db: Arc<Database>,
    me: UserId,
}

impl Db {
    /// Opens (creating or migrating) the database of `me`.
    pub async fn open(me: UserId) -> Result<Self> {
        let db = schema::open(&Self::name(me)).await?;
        Ok(Self {
            db: Arc::new(db),
            me,
        })
    }

    /// Deletes the database of `me` (on logout). Other open tabs block it until they close it.
    pub async fn delete(me: UserId) -> Result<()> {
        Database::delete_by_name(&Self::name(me))?.await?;
        Ok(())
    }

    fn name(me: UserId) -> String {
        format!("kontor-{me}")
    }

    /// Whose database this is.
    pub fn me(&self) -> UserId {
        self.me
    }

    /// Closes the connection (so the database can be deleted).
    pub fn close(&self) {
        Database::clone(&self.db).close();
    }

    pub(crate) fn tx(&self, stores: &[&str], write: bool) -> Result<Transaction<'_>> {
        let mode = if write {
            TransactionMode::Readwrite
        } else {
            TransactionMode::Readonly
        };
        Ok(self.db.transaction(stores).with_mode(mode).build()?)
    }

    /// A read-write transaction that stores only what the server already holds (its events,
    /// with the resume cursor moving in the same transaction, or pages it answered). Relaxed
    /// durability: the browser may report the commit before the data reaches the disk, so a crash
    /// can lose it, but only together with the cursor, and the next catch-up brings it again.
    /// The outbox (what only this device holds) keeps the default.
    pub(crate) fn tx_from_server(&self, stores: &[&str]) -> Result<Transaction<'_>> {
        let relaxed = TransactionOptions::new().with_durability(TransactionDurability::Relaxed);
        Ok(self
            .db
            .transaction(stores)
            .with_mode(TransactionMode::Readwrite)
            .with_options(relaxed)
            .build()?)
    }

    /// The resume cursor (0 for a new device).
    pub async fn cursor(&self) -> Result<Pos> {
        let tx = self.tx(&[META], false)?;
        let rec: Option<CursorRecord> = tx.object_store(META)?.get(CURSOR_KEY).serde()?.await?;
        Ok(rec.map(|r| r.pos).unwrap_or_default())
    }
}

/// Moves the cursor forward inside a transaction that includes `meta`.
pub(crate) async fn advance_cursor(tx: &Transaction<'_>, pos: Pos) -> Result<()> {
    if pos == Pos(0) {
        return Ok(());
    }
    let meta = tx.object_store(META)?;
    let current: Option<CursorRecord> = meta.get(CURSOR_KEY).serde()?.await?;
    if current.as_ref().is_none_or(|c| c.pos < pos) {
        meta.put(&CursorRecord {
            key: CURSOR_KEY.into(),
            pos,
        })
        .serde()?
        .await?;
    }
    Ok(())
}

/// Leaves a write request of a bulk transaction running without waiting for its own success
/// event. The transaction carries out its requests in order and a failed one aborts it, so the
/// closing `commit()` still reports any error; waiting for each request instead costs a round
/// trip to the browser's database process per record, which was most of the time spent storing
/// thousands of messages.
pub(crate) fn issued<R>(request: R) {
    drop(request);
}
