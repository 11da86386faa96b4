//! Queries. Each takes a plain connection so the writer can run them inside its transaction too.

use super::StoreError;
use kontor_protocol::{
    Conversation, ConversationId, ConversationKind, Handle, Member, Message, MessageId, Pos, Seq,
    Timestamp, User, UserId,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

/// A session found by its token hash.
#[derive(Debug, Clone)]
pub struct AuthSession {
    /// The session's id (used to cut its connections on logout).
    pub session_id: Uuid,
    /// Whose session.
    pub user: User,
    /// Expiry, ms since epoch.
    pub expires_at: i64,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// What login needs to check a password.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The account.
    pub user: User,
    /// PHC-format argon2id hash.
    pub password_hash: String,
}

fn handle_from_sql(raw: String) -> rusqlite::Result<Handle> {
    // Only validated handles are ever written, so this fails only on a corrupted file.
    Handle::parse(&raw).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn user_from(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(first)?),
        handle: handle_from_sql(row.get(first + 1)?)?,
        display_name: row.get(first + 2)?,
    })
}

fn message_from(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        pos: Pos(row.get::<_, i64>(0)? as u64),
        id: MessageId(row.get(1)?),
        conversation_id: ConversationId(row.get(2)?),
        seq: Seq(row.get::<_, i64>(3)? as u64),
        sender: UserId(row.get(4)?),
        body: row.get(5)?,
        sent_at: Timestamp(row.get(6)?),
    })
}

/// Looks a session up by the SHA-256 of its token.
pub fn auth_session(
    conn: &Connection,
    token_hash: &[u8],
) -> Result<Option<AuthSession>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT s.id, s.expires_at, s.revoked_at IS NOT NULL, u.id, u.handle, u.display_name
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1",
            [token_hash],
            |r| {
                Ok(AuthSession {
                    session_id: r.get(0)?,
                    expires_at: r.get(1)?,
                    revoked: r.get(2)?,
                    user: user_from(r, 3)?,
                })
            },
        )
        .optional()?)
}

/// The account and password hash for a handle.
pub fn login_record(conn: &Connection, handle: &Handle) -> Result<Option<LoginRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, handle, display_name, password_hash FROM users WHERE handle = ?1",
            [handle.as_str()],
            |r| {
                Ok(LoginRecord {
                    user: user_from(r, 0)?,
                    password_hash: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// A user by handle.
pub fn user_by_handle(conn: &Connection, handle: &Handle) -> Result<Option<User>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, handle, display_name FROM users WHERE handle = ?1",
            [handle.as_str()],
            |r| user_from(r, 0),
        )
        .optional()?)
}

/// Ids of a conversation's members (empty when it does not exist).
pub fn member_ids(conn: &Connection, id: ConversationId) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT user_id FROM members WHERE conversation_id = ?1")?;
    let ids = stmt
        .query_map([id.0], |r| Ok(UserId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// A conversation's current state.
pub fn conversation(
    conn: &Connection,
    id: ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    let head = conn
        .query_row(
            "SELECT created_at, last_seq FROM conversations WHERE id = ?1",
            [id.0],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?;
    let Some((created_at, last_seq)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.handle, u.display_name, m.delivered_seq, m.read_seq
         FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = ?1 ORDER BY u.handle",
    )?;
    let members = stmt
        .query_map([id.0], |r| {
            Ok(Member {
                user: user_from(r, 0)?,
                delivered: Seq(r.get::<_, i64>(3)? as u64),
                read: Seq(r.get::<_, i64>(4)? as u64),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Conversation {
        id,
        kind: ConversationKind::Direct,
        members,
        last_seq: Seq(last_seq as u64),
        created_at: Timestamp(created_at),
    }))
}

/// The user's conversations that were created or whose receipts moved after `since`.
pub fn changed_conversations(
    conn: &Connection,
    user: UserId,
    since: Pos,
) -> Result<Vec<Conversation>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.conversation_id FROM members m
         WHERE m.conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?1)
         GROUP BY m.conversation_id HAVING MAX(m.updated_pos) > ?2",
    )?;
    let ids: Vec<ConversationId> = stmt
        .query_map(params![user.0, since.0 as i64], |r| {
            Ok(ConversationId(r.get(0)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = conversation(conn, id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// One page of the user's messages with `since < pos <= until`, oldest first.
pub fn messages_since(
    conn: &Connection,
    user: UserId,
    since: Pos,
    until: Pos,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pos, id, conversation_id, seq, sender_id, body, sent_at FROM messages
         WHERE pos > ?1 AND pos <= ?2
           AND conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?3)
         ORDER BY pos LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(
            params![since.0 as i64, until.0 as i64, user.0, limit as i64],
            message_from,
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A stored message by id.
pub fn message_by_id(conn: &Connection, id: MessageId) -> Result<Option<Message>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT pos, id, conversation_id, seq, sender_id, body, sent_at
             FROM messages WHERE id = ?1",
            [id.0],
            message_from,
        )
        .optional()?)
}

/// The newest `limit` messages of a conversation below `before`, oldest first.
pub fn history(
    conn: &Connection,
    conversation: ConversationId,
    before: Seq,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pos, id, conversation_id, seq, sender_id, body, sent_at FROM messages
         WHERE conversation_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
    )?;
    let mut rows: Vec<Message> = stmt
        .query_map(
            params![conversation.0, before.0 as i64, limit as i64],
            message_from,
        )?
        .collect::<Result<_, _>>()?;
    rows.reverse();
    Ok(rows)
}
