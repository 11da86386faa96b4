//! Queries. Each takes a plain connection so the writer can run them inside its transaction too.

use super::StoreError;
use kontor_protocol::business::BusinessBadge;
use kontor_protocol::{
    AgentSignature, BusinessId, Conversation, ConversationId, ConversationKind, Handle, Member,
    Message, MessageId, Pos, Seq, Timestamp, User, UserId,
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

pub(crate) fn user_from(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
    Ok(User::person(
        UserId(row.get(first)?),
        handle_from_sql(row.get(first + 1)?)?,
        row.get(first + 2)?,
    ))
}

/// Columns [`party_from`] reads, for a `users u LEFT JOIN businesses b ON b.id = u.id`.
pub(crate) const PARTY_COLUMNS: &str = "u.id, u.handle, u.display_name, b.id IS NOT NULL, IFNULL(b.verified, 0), IFNULL(b.logo_version, 0)";

/// A person or a business party (with its badge), from [`PARTY_COLUMNS`].
pub(crate) fn party_from(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
    let mut user = user_from(row, first)?;
    if row.get::<_, bool>(first + 3)? {
        let version: i64 = row.get(first + 5)?;
        user.business = Some(BusinessBadge {
            verified: row.get(first + 4)?,
            logo: logo_path(&user.handle, version),
        });
    }
    Ok(user)
}

/// Where a business's logo is served; the version makes each upload a new address.
pub fn logo_path(handle: &Handle, version: i64) -> Option<String> {
    (version > 0).then(|| format!("/api/businesses/{handle}/logo?v={version}"))
}

/// Columns [`message_from`] reads from [`MESSAGE_FROM`].
pub(crate) const MESSAGE_COLUMNS: &str = "m.pos, m.id, m.conversation_id, m.seq, m.sender_id, m.body, m.sent_at, m.agent_id, m.agent_name, m.agent_shown, a.id, a.kind, a.name, a.mime, a.size, a.width, a.height, a.duration_ms";

/// Messages (`m`) with their attachments (`a`), for [`MESSAGE_COLUMNS`].
pub(crate) const MESSAGE_FROM: &str =
    "messages m LEFT JOIN attachments a ON a.id = m.attachment_id";

/// Whose eyes a message is read for: the team sees which agent wrote it, a customer only the
/// first name and only when the business showed it when the message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A member of the conversation (a person in a direct chat, or the customer).
    Member,
    /// A member of the business's team.
    Team,
}

pub(crate) fn message_from(row: &Row<'_>, viewer: Viewer) -> rusqlite::Result<Message> {
    let agent_id: Option<Uuid> = row.get(7)?;
    let agent_name: Option<String> = row.get(8)?;
    let shown: bool = row.get(9)?;
    let agent = match (viewer, agent_name) {
        (Viewer::Team, Some(name)) => Some(AgentSignature {
            id: agent_id.map(UserId),
            name,
        }),
        (Viewer::Member, Some(name)) if shown => Some(AgentSignature { id: None, name }),
        _ => None,
    };
    Ok(Message {
        pos: Pos(row.get::<_, i64>(0)? as u64),
        id: MessageId(row.get(1)?),
        conversation_id: ConversationId(row.get(2)?),
        seq: Seq(row.get::<_, i64>(3)? as u64),
        sender: UserId(row.get(4)?),
        body: row.get(5)?,
        sent_at: Timestamp(row.get(6)?),
        agent,
        attachment: super::media::attachment_from(row, 10)?,
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
            "SELECT id, handle, display_name, password_hash FROM users
             WHERE handle = ?1 AND kind = 'person'",
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

/// A person or business by handle.
pub fn user_by_handle(conn: &Connection, handle: &Handle) -> Result<Option<User>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {PARTY_COLUMNS} FROM users u LEFT JOIN businesses b ON b.id = u.id
                 WHERE u.handle = ?1"
            ),
            [handle.as_str()],
            |r| party_from(r, 0),
        )
        .optional()?)
}

/// Who may act in a conversation: its member parties and, for a customer conversation, the
/// business's team (who act as the business party).
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// The member parties (two for a direct chat; the customer and the business).
    pub members: Vec<UserId>,
    /// The business side, when this is a customer conversation.
    pub business: Option<BusinessId>,
    /// The business's team.
    pub team: Vec<UserId>,
}

impl Audience {
    /// The party `user` acts as here, or `None` when they have no access.
    pub fn party_of(&self, user: UserId) -> Option<UserId> {
        if self.members.contains(&user) {
            Some(user)
        } else if self.team.contains(&user) {
            self.business.map(UserId::from)
        } else {
            None
        }
    }

    /// Whether `user` is on the business's team (not the customer).
    pub fn is_team(&self, user: UserId) -> bool {
        !self.members.contains(&user) && self.team.contains(&user)
    }

    /// People who see the conversation as members (the business party has no connections).
    pub fn member_people(&self) -> Vec<UserId> {
        let business = self.business.map(UserId::from);
        self.members
            .iter()
            .copied()
            .filter(|m| Some(*m) != business)
            .collect()
    }
}

/// Who may act in a conversation (empty when it does not exist).
pub fn audience(conn: &Connection, id: ConversationId) -> Result<Audience, StoreError> {
    let members = member_ids(conn, id)?;
    let business: Option<Option<Uuid>> = conn
        .prepare_cached("SELECT business_id FROM conversations WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    let business = business.flatten().map(BusinessId);
    let team = match business {
        Some(b) => team_ids(conn, b)?,
        None => Vec::new(),
    };
    Ok(Audience {
        members,
        business,
        team,
    })
}

/// Ids of a business's team members.
pub fn team_ids(conn: &Connection, business: BusinessId) -> Result<Vec<UserId>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT user_id FROM business_members WHERE business_id = ?1")?;
    let ids = stmt
        .query_map([business.0], |r| Ok(UserId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
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
            "SELECT created_at, last_seq, business_id IS NOT NULL FROM conversations WHERE id = ?1",
            [id.0],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((created_at, last_seq, is_business)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PARTY_COLUMNS}, m.delivered_seq, m.read_seq
         FROM members m JOIN users u ON u.id = m.user_id LEFT JOIN businesses b ON b.id = u.id
         WHERE m.conversation_id = ?1 ORDER BY u.handle"
    ))?;
    let members = stmt
        .query_map([id.0], |r| {
            Ok(Member {
                user: party_from(r, 0)?,
                delivered: Seq(r.get::<_, i64>(6)? as u64),
                read: Seq(r.get::<_, i64>(7)? as u64),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Conversation {
        id,
        kind: if is_business {
            ConversationKind::Business
        } else {
            ConversationKind::Direct
        },
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
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM}
         WHERE m.pos > ?1 AND m.pos <= ?2
           AND m.conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?3)
         ORDER BY m.pos LIMIT ?4"
    ))?;
    let rows = stmt
        .query_map(
            params![since.0 as i64, until.0 as i64, user.0, limit as i64],
            |r| message_from(r, Viewer::Member),
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A stored message by id, with the writing agent (if any) as the team sees it.
pub fn message_by_id(conn: &Connection, id: MessageId) -> Result<Option<Message>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id = ?1"),
            [id.0],
            |r| message_from(r, Viewer::Team),
        )
        .optional()?)
}

/// The newest `limit` messages of a conversation below `before`, oldest first.
pub fn history(
    conn: &Connection,
    conversation: ConversationId,
    before: Seq,
    limit: u32,
    viewer: Viewer,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM}
         WHERE m.conversation_id = ?1 AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3"
    ))?;
    let mut rows: Vec<Message> = stmt
        .query_map(
            params![conversation.0, before.0 as i64, limit as i64],
            |r| message_from(r, viewer),
        )?
        .collect::<Result<_, _>>()?;
    rows.reverse();
    Ok(rows)
}
