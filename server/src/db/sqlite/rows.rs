//! Reading rows into wire types, and the stored forms of enums.

use crate::db::model::InboxEvent;
use kontor_protocol::business::{
    BusinessBadge, BusinessProfile, Category, InboxItem, InboxStatus, Note, OpeningHours,
    ProfileFields, Role, Snooze,
};
use kontor_protocol::media::{Attachment, AttachmentKind};
use kontor_protocol::{
    AgentSignature, AttachmentId, BusinessId, ConversationId, Handle, LabelId, Message, MessageId,
    NoteId, Pos, Seq, Timestamp, User, UserId,
};
use rusqlite::{Connection, Row};
use uuid::Uuid;

use crate::db::Viewer;

/// A conversion error for a value that was stored by us and cannot be read back.
pub fn corrupt(what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} could not be read").into(),
    )
}

fn handle_from_sql(raw: String) -> rusqlite::Result<Handle> {
    // Only validated handles are ever written, so this fails only on a corrupted file.
    Handle::parse(&raw).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// A person from `id, handle, display_name` at column `first`.
pub fn user_from(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
    Ok(User::person(
        UserId(row.get(first)?),
        handle_from_sql(row.get(first + 1)?)?,
        row.get(first + 2)?,
    ))
}

/// Columns [`party_from`] reads, for a `users u LEFT JOIN businesses b ON b.id = u.id`.
pub const PARTY_COLUMNS: &str = "u.id, u.handle, u.display_name, b.id IS NOT NULL, IFNULL(b.verified, 0), IFNULL(b.logo_version, 0)";

/// [`PARTY_COLUMNS`] for a second party in the same query, joined as
/// `users v LEFT JOIN businesses w ON w.id = v.id`.
pub const SECOND_PARTY_COLUMNS: &str = "v.id, v.handle, v.display_name, w.id IS NOT NULL, IFNULL(w.verified, 0), IFNULL(w.logo_version, 0)";

/// A person or a business party (with its badge), from [`PARTY_COLUMNS`].
pub fn party_from(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
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
pub const MESSAGE_COLUMNS: &str = "m.pos, m.id, m.conversation_id, m.seq, m.sender_id, m.body, m.sent_at, m.agent_id, m.agent_name, m.agent_shown, a.id, a.kind, a.name, a.mime, a.size, a.width, a.height, a.duration_ms";

/// Messages (`m`) with their attachments (`a`), for [`MESSAGE_COLUMNS`].
pub const MESSAGE_FROM: &str = "messages m LEFT JOIN attachments a ON a.id = m.attachment_id";

/// A message from [`MESSAGE_COLUMNS`], with the agent as `viewer` may see it.
pub fn message_from(row: &Row<'_>, viewer: Viewer) -> rusqlite::Result<Message> {
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
        attachment: attachment_from(row, 10)?,
    })
}

/// How a kind is stored.
pub fn kind_str(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Photo => "photo",
        AttachmentKind::Document => "document",
        AttachmentKind::Voice => "voice",
    }
}

/// A stored kind.
pub fn kind_from(raw: &str) -> rusqlite::Result<AttachmentKind> {
    match raw {
        "photo" => Ok(AttachmentKind::Photo),
        "document" => Ok(AttachmentKind::Document),
        "voice" => Ok(AttachmentKind::Voice),
        _ => Err(corrupt("attachment kind")),
    }
}

/// Columns [`attachment_from`] reads, for `attachments a`.
pub const ATTACHMENT_COLUMNS: &str =
    "a.id, a.kind, a.name, a.mime, a.size, a.width, a.height, a.duration_ms";

/// The attachment in [`ATTACHMENT_COLUMNS`] from column `first` on; `None` when its id is NULL
/// (a message without one, in a LEFT JOIN).
pub fn attachment_from(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<Attachment>> {
    let Some(id) = row.get::<_, Option<Uuid>>(first)? else {
        return Ok(None);
    };
    let kind: String = row.get(first + 1)?;
    Ok(Some(Attachment {
        id: AttachmentId(id),
        kind: kind_from(&kind)?,
        name: row.get(first + 2)?,
        mime: row.get(first + 3)?,
        size: row.get::<_, i64>(first + 4)? as u64,
        width: row.get(first + 5)?,
        height: row.get(first + 6)?,
        duration_ms: row.get(first + 7)?,
    }))
}

/// How a role is stored.
pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Agent => "agent",
    }
}

/// A stored role.
pub fn role_from(s: &str) -> Role {
    match s {
        "owner" => Role::Owner,
        "admin" => Role::Admin,
        _ => Role::Agent,
    }
}

/// A profile's columns, for [`profile_from`].
pub const PROFILE_SELECT: &str = "SELECT u.id, u.handle, u.display_name, b.category, b.description,
    b.address, b.email, b.websites, b.hours, b.verified, b.logo_version
    FROM businesses b JOIN users u ON u.id = b.id";

/// A profile from [`PROFILE_SELECT`], open or closed at `now`.
pub fn profile_from(row: &Row<'_>, now: i64) -> rusqlite::Result<BusinessProfile> {
    let user = user_from(row, 0)?;
    let json_err = |e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    };
    let websites: Vec<String> =
        serde_json::from_str(&row.get::<_, String>(7)?).map_err(json_err)?;
    let hours: OpeningHours = serde_json::from_str(&row.get::<_, String>(8)?).map_err(json_err)?;
    let category = Category::parse(&row.get::<_, String>(3)?).unwrap_or(Category::Other);
    // Derived for the reader's convenience; the rule itself lives in `business::hours`.
    let open_now = crate::business::hours::is_open(&hours, now);
    Ok(BusinessProfile {
        id: BusinessId(user.id.0),
        logo: logo_path(&user.handle, row.get(10)?),
        handle: user.handle,
        profile: ProfileFields {
            name: user.display_name,
            category,
            description: row.get(4)?,
            address: row.get(5)?,
            email: row.get(6)?,
            websites,
            hours,
        },
        verified: row.get(9)?,
        open_now,
    })
}

/// An inbox item's columns, for [`item_from`].
pub const ITEM_SELECT: &str = "SELECT i.conversation_id, i.business_id, i.status, i.snooze_until,
    i.snooze_next, i.last_activity, i.preview, i.first_contact,
    (SELECT IFNULL(MAX(lm.seq), 0) FROM messages lm WHERE lm.conversation_id = i.conversation_id),
    cu.id, cu.handle, cu.display_name, au.id, au.handle, au.display_name,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = i.conversation_id
        AND m.sender_id = i.customer_id
        AND m.seq > IFNULL((SELECT read_seq FROM members
            WHERE conversation_id = i.conversation_id AND user_id = i.business_id), 0))
    FROM inbox i
    JOIN users cu ON cu.id = i.customer_id LEFT JOIN users au ON au.id = i.assignee";

/// An inbox item from [`ITEM_SELECT`] (its labels read with `conn`).
pub fn item_from(conn: &Connection, r: &Row<'_>) -> rusqlite::Result<InboxItem> {
    let conversation_id = ConversationId(r.get(0)?);
    let status = InboxStatus::parse(&r.get::<_, String>(2)?).unwrap_or(InboxStatus::Open);
    let snooze_until: Option<i64> = r.get(3)?;
    let snooze_next: bool = r.get(4)?;
    let snooze = match (status, snooze_until, snooze_next) {
        (InboxStatus::Snoozed, Some(at), _) => Some(Snooze::Time { at: Timestamp(at) }),
        (InboxStatus::Snoozed, None, true) => Some(Snooze::NextMessage),
        _ => None,
    };
    let assignee = match r.get::<_, Option<Uuid>>(12)? {
        Some(_) => Some(user_from(r, 12)?),
        None => None,
    };
    let labels = conn
        .prepare_cached("SELECT label_id FROM conversation_labels WHERE conversation_id = ?1")?
        .query_map([conversation_id.0], |r| Ok(LabelId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(InboxItem {
        conversation_id,
        business: BusinessId(r.get(1)?),
        customer: user_from(r, 9)?,
        status,
        snooze,
        assignee,
        labels,
        last_activity: Timestamp(r.get(5)?),
        last_seq: Seq(r.get::<_, i64>(8)? as u64),
        preview: r.get(6)?,
        unread: r.get::<_, i64>(15)? as u32,
        first_contact: Timestamp(r.get(7)?),
    })
}

/// A note's columns, for [`note_from`].
pub const NOTE_SELECT: &str = "SELECT n.id, n.conversation_id, n.body, n.mentions, n.created_at,
    u.id, u.handle, u.display_name FROM notes n JOIN users u ON u.id = n.author_id";

/// A note from [`NOTE_SELECT`].
pub fn note_from(r: &Row<'_>) -> rusqlite::Result<Note> {
    let mentions: String = r.get(3)?;
    Ok(Note {
        id: NoteId(r.get(0)?),
        conversation_id: ConversationId(r.get(1)?),
        body: r.get(2)?,
        mentions: serde_json::from_str(&mentions).unwrap_or_default(),
        created_at: Timestamp(r.get(4)?),
        author: user_from(r, 5)?,
    })
}

/// A stored inbox event kind.
pub fn event_from(raw: &str) -> InboxEvent {
    InboxEvent::parse(raw)
}
