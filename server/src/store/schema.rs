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
];

/// Settings every connection needs.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable
    // (NORMAL in WAL mode can lose the last commits on power loss, and we ack after commit).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
}

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
