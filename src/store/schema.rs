//! Versioned migrations of the local database.

use super::{
    BY_BUSINESS_ACTIVITY, BY_CONVERSATION, BY_CONVERSATION_SEQ, CONVERSATIONS, INBOX, MESSAGES,
    META, OUTBOX, Result, UPLOAD_BLOBS,
};
use indexed_db_futures::KeyPath;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;

/// Bump and add a step below for every schema change; never edit a released step.
const VERSION: u32 = 3;

pub(super) async fn open(name: &str) -> Result<Database> {
    let db = Database::open(name)
        .with_version(VERSION)
        .with_on_upgrade_needed(|event, db| {
            let old = event.old_version() as u32;
            if old < 1 {
                db.create_object_store(CONVERSATIONS)
                    .with_key_path(KeyPath::One("id"))
                    .build()?;
                let messages = db
                    .create_object_store(MESSAGES)
                    .with_key_path(KeyPath::One("id"))
                    .build()?;
                messages
                    .create_index(
                        BY_CONVERSATION_SEQ,
                        KeyPath::from(["conversation_id", "seq"]),
                    )
                    .with_unique(true)
                    .build()?;
                // Keyed by the UUID v7 message id: key order is the order messages were written.
                let outbox = db
                    .create_object_store(OUTBOX)
                    .with_key_path(KeyPath::One("id"))
                    .build()?;
                outbox
                    .create_index(BY_CONVERSATION, KeyPath::One("conversation_id"))
                    .build()?;
                db.create_object_store(META)
                    .with_key_path(KeyPath::One("key"))
                    .build()?;
            }
            if old < 2 {
                // The files of unfinished uploads, keyed by their message id (out-of-line keys:
                // the value is the Blob itself, which survives a reload for resuming).
                db.create_object_store(UPLOAD_BLOBS).build()?;
            }
            if old < 3 {
                let inbox = db
                    .create_object_store(INBOX)
                    .with_key_path(KeyPath::One("conversation_id"))
                    .build()?;
                inbox
                    .create_index(
                        BY_BUSINESS_ACTIVITY,
                        KeyPath::from(["business", "last_activity"]),
                    )
                    .build()?;
            }
            Ok(())
        })
        .await?;
    Ok(db)
}
