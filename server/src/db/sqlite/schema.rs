//! Versioned schema migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

/// Each entry upgrades the schema by one version; never edit a released entry, append a new one.
const MIGRATIONS: &[&str] = &[
    // v1: accounts, sessions, direct conversations and messages.
    r#"
    CREATE TABLE users (
        id            BLOB PRIMARY KEY,
        handle        TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        token_hash BLOB PRIMARY KEY,
        id         BLOB NOT NULL UNIQUE,
        user_id    BLOB NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE conversations (
        id          BLOB PRIMARY KEY,
        kind        TEXT NOT NULL,
        direct_key  TEXT UNIQUE,
        created_at  INTEGER NOT NULL,
        created_pos INTEGER NOT NULL,
        last_seq    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE members (
        user_id         BLOB NOT NULL REFERENCES users(id),
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        delivered_seq   INTEGER NOT NULL DEFAULT 0,
        read_seq        INTEGER NOT NULL DEFAULT 0,
        updated_pos     INTEGER NOT NULL,
        PRIMARY KEY (user_id, conversation_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_conversation ON members(conversation_id);
    -- `pos` is the rowid: the global, gap-free-per-commit event position clients resume from.
    CREATE TABLE messages (
        pos             INTEGER PRIMARY KEY,
        id              BLOB NOT NULL UNIQUE,
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        seq             INTEGER NOT NULL,
        sender_id       BLOB NOT NULL REFERENCES users(id),
        body            TEXT NOT NULL,
        sent_at         INTEGER NOT NULL,
        UNIQUE (conversation_id, seq)
    );
    "#,
    // v2: businesses (a party row in `users` plus its profile), teams, invites, the shared inbox,
    // labels, private notes, quick replies, and the inbox events statistics are made from.
    r#"
    ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';
    ALTER TABLE conversations ADD COLUMN business_id BLOB REFERENCES users(id);
    ALTER TABLE messages ADD COLUMN agent_id BLOB REFERENCES users(id);
    ALTER TABLE messages ADD COLUMN agent_name TEXT;
    ALTER TABLE messages ADD COLUMN agent_shown INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE businesses (
        id               BLOB PRIMARY KEY REFERENCES users(id),
        category         TEXT NOT NULL,
        description      TEXT NOT NULL,
        address          TEXT NOT NULL,
        email            TEXT NOT NULL,
        websites         TEXT NOT NULL,
        hours            TEXT NOT NULL,
        verified         INTEGER NOT NULL DEFAULT 0,
        logo             BLOB,
        logo_version     INTEGER NOT NULL DEFAULT 0,
        greeting_enabled INTEGER NOT NULL DEFAULT 0,
        greeting_text    TEXT NOT NULL DEFAULT '',
        away_enabled     INTEGER NOT NULL DEFAULT 0,
        away_text        TEXT NOT NULL DEFAULT '',
        show_agent_names INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL
    );
    CREATE TABLE business_members (
        business_id BLOB NOT NULL REFERENCES businesses(id),
        user_id     BLOB NOT NULL REFERENCES users(id),
        role        TEXT NOT NULL,
        joined_at   INTEGER NOT NULL,
        PRIMARY KEY (business_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX business_members_by_user ON business_members(user_id);
    CREATE TABLE invites (
        token_hash  BLOB PRIMARY KEY,
        business_id BLOB NOT NULL REFERENCES businesses(id),
        role        TEXT NOT NULL,
        created_by  BLOB NOT NULL REFERENCES users(id),
        expires_at  INTEGER NOT NULL,
        used_by     BLOB REFERENCES users(id)
    );
    CREATE TABLE labels (
        id          BLOB PRIMARY KEY,
        business_id BLOB NOT NULL REFERENCES businesses(id),
        name        TEXT NOT NULL,
        color       TEXT NOT NULL,
        UNIQUE (business_id, name)
    );
    CREATE TABLE quick_replies (
        id          BLOB PRIMARY KEY,
        business_id BLOB NOT NULL REFERENCES businesses(id),
        shortcut    TEXT NOT NULL,
        text        TEXT NOT NULL,
        UNIQUE (business_id, shortcut)
    );
    -- One row per customer conversation, created with the customer's first message.
    CREATE TABLE inbox (
        conversation_id  BLOB PRIMARY KEY REFERENCES conversations(id),
        business_id      BLOB NOT NULL REFERENCES businesses(id),
        customer_id      BLOB NOT NULL REFERENCES users(id),
        status           TEXT NOT NULL,
        snooze_until     INTEGER,
        snooze_next      INTEGER NOT NULL DEFAULT 0,
        assignee         BLOB REFERENCES users(id),
        last_activity    INTEGER NOT NULL,
        preview          TEXT NOT NULL,
        first_contact    INTEGER NOT NULL,
        last_customer_at INTEGER NOT NULL,
        away_day         TEXT
    );
    CREATE INDEX inbox_by_activity ON inbox(business_id, last_activity, conversation_id);
    CREATE INDEX inbox_by_assignee ON inbox(business_id, assignee, last_activity);
    CREATE INDEX inbox_by_status ON inbox(business_id, status, last_activity);
    CREATE TABLE conversation_labels (
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        label_id        BLOB NOT NULL REFERENCES labels(id),
        PRIMARY KEY (conversation_id, label_id)
    ) WITHOUT ROWID;
    CREATE INDEX conversation_labels_by_label ON conversation_labels(label_id);
    CREATE TABLE notes (
        id              BLOB PRIMARY KEY,
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        author_id       BLOB NOT NULL REFERENCES users(id),
        body            TEXT NOT NULL,
        mentions        TEXT NOT NULL,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX notes_by_conversation ON notes(conversation_id, created_at);
    -- 'opened' and 'resolved', for the statistics page and the customer panel.
    CREATE TABLE inbox_events (
        id              INTEGER PRIMARY KEY,
        business_id     BLOB NOT NULL REFERENCES businesses(id),
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        kind            TEXT NOT NULL,
        at              INTEGER NOT NULL
    );
    CREATE INDEX inbox_events_by_business ON inbox_events(business_id, at);
    CREATE INDEX inbox_events_by_conversation ON inbox_events(conversation_id, at);
    CREATE INDEX conversations_by_business ON conversations(business_id);
    "#,
    // v3: attachments. Uploads in progress (their bytes are in `{data_dir}/uploads/`), stored
    // attachments (their files are content-addressed blobs named by SHA-256 hex), and the
    // attachment a message carries.
    r#"
    CREATE TABLE uploads (
        id              BLOB PRIMARY KEY,
        user_id         BLOB NOT NULL REFERENCES users(id),
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        name            TEXT NOT NULL,
        mime            TEXT NOT NULL,
        kind            TEXT NOT NULL,
        size            INTEGER NOT NULL,
        received        INTEGER NOT NULL DEFAULT 0,
        duration_ms     INTEGER,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX uploads_by_created ON uploads(created_at);
    CREATE TABLE attachments (
        id              BLOB PRIMARY KEY,
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        uploader_id     BLOB NOT NULL REFERENCES users(id),
        kind            TEXT NOT NULL,
        name            TEXT NOT NULL,
        mime            TEXT NOT NULL,
        size            INTEGER NOT NULL,
        width           INTEGER,
        height          INTEGER,
        duration_ms     INTEGER,
        original_hash   TEXT NOT NULL,
        preview_hash    TEXT,
        thumb_hash      TEXT,
        created_at      INTEGER NOT NULL,
        -- The upload it was made from and its announced size: asking for that upload's state
        -- or completing it again (after a lost answer) answers as for a finished upload.
        upload_id       BLOB NOT NULL UNIQUE,
        upload_size     INTEGER NOT NULL
    );
    CREATE INDEX attachments_by_conversation ON attachments(conversation_id);
    ALTER TABLE messages ADD COLUMN attachment_id BLOB REFERENCES attachments(id);
    "#,
    // v4: finding files uploaded and never sent, and whether a stored file is still used.
    r#"
    CREATE INDEX messages_by_attachment ON messages(attachment_id)
        WHERE attachment_id IS NOT NULL;
    CREATE INDEX attachments_by_created ON attachments(created_at);
    CREATE INDEX attachments_by_original ON attachments(original_hash);
    "#,
    // v5: accounts the operator suspended (they cannot log in; their sessions were ended).
    r#"
    ALTER TABLE users ADD COLUMN suspended_at INTEGER;
    "#,
    // v6: blocking and reporting. `hidden_from` is the member a message is withheld from
    // because they blocked its sender (one-to-one chats have one other member).
    r#"
    ALTER TABLE messages ADD COLUMN hidden_from BLOB;
    CREATE TABLE blocks (
        blocker_id BLOB NOT NULL REFERENCES users(id),
        blocked_id BLOB NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (blocker_id, blocked_id)
    ) WITHOUT ROWID;
    CREATE TABLE reports (
        id              BLOB PRIMARY KEY,
        reporter_id     BLOB NOT NULL REFERENCES users(id),
        reported_id     BLOB NOT NULL REFERENCES users(id),
        conversation_id BLOB NOT NULL REFERENCES conversations(id),
        reason          TEXT NOT NULL,
        note            TEXT NOT NULL,
        -- JSON: the newest messages the reporter could see, as they were when reported.
        evidence        TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        closed_at       INTEGER
    );
    CREATE INDEX reports_by_created ON reports(created_at);
    "#,
    // v7: a conversation's last number is the highest `seq` stored, not a counter rewritten by
    // every message (a page written per commit).
    r#"
    ALTER TABLE conversations DROP COLUMN last_seq;
    "#,
];

/// Settings every connection needs.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // Every statement the services run is cached (rusqlite keeps 16 by default: fewer than the
    // writer uses, so a mixed load would compile SQL again and again).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable
    // (NORMAL in WAL mode can lose the last commits on power loss, and we ack after commit).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// Brings the database to the newest schema version.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The highest event position already stored.
pub fn max_pos(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT MAX(
            (SELECT IFNULL(MAX(pos), 0) FROM messages),
            (SELECT IFNULL(MAX(updated_pos), 0) FROM members),
            (SELECT IFNULL(MAX(created_pos), 0) FROM conversations))",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|v| v as u64)
}
