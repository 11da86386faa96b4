//! Businesses: profiles, teams, invites, settings, labels and quick replies.
//!
//! A business is a row in `users` (kind `business`, no password: nobody logs in as it) plus its
//! profile in `businesses`. Reads take a connection; writes take a [`Tx`] from
//! [`super::Store::transact`], so they run inside the writer's group commit.

use super::reads::{self, PARTY_COLUMNS, logo_path, party_from, user_from};
use super::{StoreError, Tx, now_ms};
use crate::business::hours;
use crate::hub::{Outbound, encode};
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, Category, Invite, InvitePreview, Label, MAX_LABELS,
    MAX_QUICK_REPLIES, Membership, NewLabel, NewQuickReply, OpeningHours, ProfileFields,
    QuickReply, Role, TeamMember, imitates,
};
use kontor_protocol::{
    BusinessId, ConversationId, Handle, LabelId, QuickReplyId, ServerFrame, Timestamp, UserId,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

/// How long an invite link works.
pub const INVITE_LIFETIME_MS: i64 = 7 * 24 * 60 * 60 * 1000;

fn role_str(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::Agent => "agent",
    }
}

fn role_from(s: &str) -> Role {
    match s {
        "owner" => Role::Owner,
        "admin" => Role::Admin,
        _ => Role::Agent,
    }
}

const PROFILE_SELECT: &str = "SELECT u.id, u.handle, u.display_name, b.category, b.description,
    b.address, b.email, b.websites, b.hours, b.verified, b.logo_version
    FROM businesses b JOIN users u ON u.id = b.id";

fn profile_from(row: &Row<'_>, now: i64) -> rusqlite::Result<BusinessProfile> {
    let user = user_from(row, 0)?;
    let json_err = |e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    };
    let websites: Vec<String> =
        serde_json::from_str(&row.get::<_, String>(7)?).map_err(json_err)?;
    let hours: OpeningHours = serde_json::from_str(&row.get::<_, String>(8)?).map_err(json_err)?;
    let category = Category::parse(&row.get::<_, String>(3)?).unwrap_or(Category::Other);
    let open_now = hours::is_open(&hours, now);
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

/// A business's public profile by handle.
pub fn profile_by_handle(
    conn: &Connection,
    handle: &Handle,
) -> Result<Option<BusinessProfile>, StoreError> {
    let now = now_ms();
    Ok(conn
        .query_row(
            &format!("{PROFILE_SELECT} WHERE u.handle = ?1"),
            [handle.as_str()],
            |r| profile_from(r, now),
        )
        .optional()?)
}

/// A business's public profile by id.
pub fn profile_by_id(
    conn: &Connection,
    id: BusinessId,
) -> Result<Option<BusinessProfile>, StoreError> {
    let now = now_ms();
    Ok(conn
        .query_row(&format!("{PROFILE_SELECT} WHERE b.id = ?1"), [id.0], |r| {
            profile_from(r, now)
        })
        .optional()?)
}

/// The business's opening hours.
pub fn hours(conn: &Connection, id: BusinessId) -> Result<OpeningHours, StoreError> {
    let raw: String = conn
        .prepare_cached("SELECT hours FROM businesses WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))?;
    serde_json::from_str(&raw).map_err(|_| StoreError::Corrupt("opening hours"))
}

/// The caller's role in a business, if they are on its team.
pub fn role(
    conn: &Connection,
    business: BusinessId,
    user: UserId,
) -> Result<Option<Role>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT role FROM business_members WHERE business_id = ?1 AND user_id = ?2",
        )?
        .query_row(params![business.0, user.0], |r| r.get::<_, String>(0))
        .optional()?
        .map(|r| role_from(&r)))
}

/// What a request needs of the caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any team member.
    Team,
    /// Owner or admin.
    Manager,
}

/// Looks a business up by handle and checks the caller's role: `NotFound` for an unknown
/// business, `Forbidden` for an outsider or a role too low.
pub fn require(
    conn: &Connection,
    handle: &Handle,
    user: UserId,
    need: Need,
) -> Result<(BusinessId, Role), StoreError> {
    let id: Option<Uuid> = conn
        .prepare_cached(
            "SELECT u.id FROM users u JOIN businesses b ON b.id = u.id WHERE u.handle = ?1",
        )?
        .query_row([handle.as_str()], |r| r.get(0))
        .optional()?;
    let business = BusinessId(id.ok_or(StoreError::NotFound)?);
    let role = role(conn, business, user)?.ok_or(StoreError::Forbidden(
        "You are not on this business's team.",
    ))?;
    if need == Need::Manager && !role.manages() {
        return Err(StoreError::Forbidden(
            "Only the business's owner and admins can change this.",
        ));
    }
    Ok((business, role))
}

/// The team, owner first.
pub fn team(conn: &Connection, business: BusinessId) -> Result<Vec<TeamMember>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.handle, u.display_name, m.role, m.joined_at
         FROM business_members m JOIN users u ON u.id = m.user_id
         WHERE m.business_id = ?1 ORDER BY m.joined_at",
    )?;
    let mut team: Vec<TeamMember> = stmt
        .query_map([business.0], |r| {
            Ok(TeamMember {
                user: user_from(r, 0)?,
                role: role_from(&r.get::<_, String>(3)?),
                joined_at: Timestamp(r.get(4)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    team.sort_by_key(|m| std::cmp::Reverse(m.role));
    Ok(team)
}

/// The businesses a user is on the team of.
pub fn memberships(conn: &Connection, user: UserId) -> Result<Vec<Membership>, StoreError> {
    let now = now_ms();
    let mut stmt = conn.prepare_cached(&format!(
        "{PROFILE_SELECT} JOIN business_members m ON m.business_id = b.id
         WHERE m.user_id = ?1 ORDER BY u.display_name"
    ))?;
    // The role is read in a second query to keep `PROFILE_SELECT` one shape.
    let profiles: Vec<BusinessProfile> = stmt
        .query_map([user.0], |r| profile_from(r, now))?
        .collect::<Result<_, _>>()?;
    profiles
        .into_iter()
        .map(|business| {
            let role = role(conn, business.id, user)?.unwrap_or(Role::Agent);
            Ok(Membership { business, role })
        })
        .collect()
}

/// Greeting, away and display settings.
pub fn settings(conn: &Connection, business: BusinessId) -> Result<BusinessSettings, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT greeting_enabled, greeting_text, away_enabled, away_text, show_agent_names
             FROM businesses WHERE id = ?1",
        )?
        .query_row([business.0], |r| {
            Ok(BusinessSettings {
                greeting: kontor_protocol::business::AutoReply {
                    enabled: r.get(0)?,
                    text: r.get(1)?,
                },
                away: kontor_protocol::business::AutoReply {
                    enabled: r.get(2)?,
                    text: r.get(3)?,
                },
                show_agent_names: r.get(4)?,
            })
        })?)
}

/// The logo PNG of a business.
pub fn logo(conn: &Connection, handle: &Handle) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT b.logo FROM businesses b JOIN users u ON u.id = b.id WHERE u.handle = ?1",
            [handle.as_str()],
            |r| r.get::<_, Option<Vec<u8>>>(0),
        )
        .optional()?
        .flatten())
}

/// Labels, by name.
pub fn labels(conn: &Connection, business: BusinessId) -> Result<Vec<Label>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, color FROM labels WHERE business_id = ?1 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([business.0], |r| {
            Ok(Label {
                id: LabelId(r.get(0)?),
                name: r.get(1)?,
                color: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Quick replies, by shortcut.
pub fn quick_replies(
    conn: &Connection,
    business: BusinessId,
) -> Result<Vec<QuickReply>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, shortcut, text FROM quick_replies WHERE business_id = ?1 ORDER BY shortcut",
    )?;
    let rows = stmt
        .query_map([business.0], |r| {
            Ok(QuickReply {
                id: QuickReplyId(r.get(0)?),
                shortcut: r.get(1)?,
                text: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// What an invite link offers, if it still works.
pub fn invite_preview(
    conn: &Connection,
    token_hash: &[u8; 32],
) -> Result<InvitePreview, StoreError> {
    let (business, role) = live_invite(conn, token_hash)?;
    let business = profile_by_id(conn, business)?.ok_or(StoreError::NotFound)?;
    Ok(InvitePreview { business, role })
}

fn live_invite(conn: &Connection, token_hash: &[u8; 32]) -> Result<(BusinessId, Role), StoreError> {
    let row: Option<(Uuid, String, i64, bool)> = conn
        .query_row(
            "SELECT business_id, role, expires_at, used_by IS NOT NULL FROM invites
             WHERE token_hash = ?1",
            [&token_hash[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match row {
        None => Err(StoreError::NotFound),
        Some((_, _, expires, used)) if used || expires <= now_ms() => Err(StoreError::Gone),
        Some((business, role, _, _)) => Ok((BusinessId(business), role_from(&role))),
    }
}

fn write_profile(tx: &Tx<'_>, id: BusinessId, fields: &ProfileFields) -> Result<(), StoreError> {
    let websites =
        serde_json::to_string(&fields.websites).map_err(|_| StoreError::Corrupt("websites"))?;
    let hours = serde_json::to_string(&fields.hours).map_err(|_| StoreError::Corrupt("hours"))?;
    tx.conn.execute(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![id.0, fields.name],
    )?;
    tx.conn.execute(
        "UPDATE businesses SET category = ?2, description = ?3, address = ?4, email = ?5,
             websites = ?6, hours = ?7 WHERE id = ?1",
        params![
            id.0,
            fields.category.as_str(),
            fields.description,
            fields.address,
            fields.email,
            websites,
            hours
        ],
    )?;
    Ok(())
}

/// Creates a business owned by `owner`. The handle is shared with people.
pub fn create(
    tx: &mut Tx<'_>,
    owner: UserId,
    handle: &Handle,
    fields: &ProfileFields,
) -> Result<BusinessProfile, StoreError> {
    if reads::user_by_handle(tx.conn, handle)?.is_some() {
        return Err(StoreError::HandleTaken);
    }
    let id = BusinessId::new();
    let now = now_ms();
    tx.conn.execute(
        "INSERT INTO users (id, handle, display_name, password_hash, created_at, kind)
         VALUES (?1, ?2, ?3, '', ?4, 'business')",
        params![id.0, handle.as_str(), fields.name, now],
    )?;
    tx.conn.execute(
        "INSERT INTO businesses (id, category, description, address, email, websites, hours,
             created_at) VALUES (?1, '', '', '', '', '[]', '{}', ?2)",
        params![id.0, now],
    )?;
    write_profile(tx, id, fields)?;
    tx.conn.execute(
        "INSERT INTO business_members (business_id, user_id, role, joined_at)
         VALUES (?1, ?2, 'owner', ?3)",
        params![id.0, owner.0, now],
    )?;
    profile_by_id(tx.conn, id)?.ok_or(StoreError::NotFound)
}

/// Changes the profile. A verified business that changes its name loses the badge: the operator
/// verified the old name, not whatever it is renamed to.
pub fn update_profile(
    tx: &mut Tx<'_>,
    id: BusinessId,
    fields: &ProfileFields,
) -> Result<BusinessProfile, StoreError> {
    let before = profile_by_id(tx.conn, id)?.ok_or(StoreError::NotFound)?;
    write_profile(tx, id, fields)?;
    if before.verified && before.profile.name != fields.name {
        tx.conn
            .execute("UPDATE businesses SET verified = 0 WHERE id = ?1", [id.0])?;
    }
    if before.profile.name != fields.name {
        touch_conversations(tx, id)?;
    }
    profile_by_id(tx.conn, id)?.ok_or(StoreError::NotFound)
}

/// Stores a processed logo.
pub fn set_logo(
    tx: &mut Tx<'_>,
    id: BusinessId,
    png: Vec<u8>,
) -> Result<BusinessProfile, StoreError> {
    tx.conn.execute(
        "UPDATE businesses SET logo = ?2, logo_version = logo_version + 1 WHERE id = ?1",
        params![id.0, png],
    )?;
    touch_conversations(tx, id)?;
    profile_by_id(tx.conn, id)?.ok_or(StoreError::NotFound)
}

/// The operator's verify/unverify. Refuses to verify a business whose name imitates another
/// verified business, whichever came first.
pub fn set_verified(
    tx: &mut Tx<'_>,
    handle: &Handle,
    verified: bool,
) -> Result<BusinessProfile, StoreError> {
    let profile = profile_by_handle(tx.conn, handle)?.ok_or(StoreError::NotFound)?;
    if verified {
        let mut stmt = tx.conn.prepare(
            "SELECT u.handle, u.display_name FROM businesses b JOIN users u ON u.id = b.id
             WHERE b.verified = 1 AND b.id != ?1",
        )?;
        let others: Vec<(String, String)> = stmt
            .query_map([profile.id.0], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (other_handle, other_name) in others {
            if imitates(&profile.profile.name, &other_name)
                || imitates(profile.handle.as_str(), &other_handle)
            {
                return Err(StoreError::Refused(format!(
                    "\"{}\" (@{}) looks like the verified business \"{other_name}\" \
                     (@{other_handle}); it cannot be verified.",
                    profile.profile.name, profile.handle
                )));
            }
        }
    }
    if profile.verified == verified {
        return Ok(profile);
    }
    tx.conn.execute(
        "UPDATE businesses SET verified = ?2 WHERE id = ?1",
        params![profile.id.0, verified],
    )?;
    touch_conversations(tx, profile.id)?;
    profile_by_id(tx.conn, profile.id)?.ok_or(StoreError::NotFound)
}

/// Re-sends every conversation of the business to its customers, so their cached chat lists and
/// headers show the new name, logo or badge (live now, and in the next catch-up).
fn touch_conversations(tx: &mut Tx<'_>, business: BusinessId) -> Result<(), StoreError> {
    let ids: Vec<ConversationId> = tx
        .conn
        .prepare("SELECT id FROM conversations WHERE business_id = ?1")?
        .query_map([business.0], |r| Ok(ConversationId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let pos = tx.take_pos();
        tx.conn.execute(
            "UPDATE members SET updated_pos = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![id.0, business.0, pos.0 as i64],
        )?;
        let Some(conversation) = reads::conversation(tx.conn, id)? else {
            continue;
        };
        let audience = tx.audience(id)?;
        let people = audience.member_people();
        let frame = ServerFrame::Conversation { pos, conversation };
        tx.after_commit(move |hub| {
            hub.publish(
                &people,
                Outbound::Event {
                    pos,
                    text: encode(&frame),
                },
                None,
            );
        });
    }
    Ok(())
}

/// Saves greeting, away and display settings.
pub fn save_settings(
    tx: &mut Tx<'_>,
    business: BusinessId,
    s: &BusinessSettings,
) -> Result<BusinessSettings, StoreError> {
    tx.conn.execute(
        "UPDATE businesses SET greeting_enabled = ?2, greeting_text = ?3, away_enabled = ?4,
             away_text = ?5, show_agent_names = ?6 WHERE id = ?1",
        params![
            business.0,
            s.greeting.enabled,
            s.greeting.text,
            s.away.enabled,
            s.away.text,
            s.show_agent_names
        ],
    )?;
    settings(tx.conn, business)
}

/// Stores a single-use invite (by the hash of its token).
pub fn create_invite(
    tx: &mut Tx<'_>,
    business: BusinessId,
    by: UserId,
    role: Role,
    token: String,
    token_hash: [u8; 32],
) -> Result<Invite, StoreError> {
    if role == Role::Owner {
        return Err(StoreError::Invalid(
            "Invite agents or admins; a business has one owner.",
        ));
    }
    let expires_at = now_ms() + INVITE_LIFETIME_MS;
    tx.conn.execute(
        "INSERT INTO invites (token_hash, business_id, role, created_by, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            &token_hash[..],
            business.0,
            role_str(role),
            by.0,
            expires_at
        ],
    )?;
    Ok(Invite {
        path: format!("/join/{token}"),
        token,
        role,
        expires_at: Timestamp(expires_at),
    })
}

/// Uses an invite: the caller joins the team.
pub fn accept_invite(
    tx: &mut Tx<'_>,
    token_hash: [u8; 32],
    user: UserId,
) -> Result<Membership, StoreError> {
    let (business, role) = live_invite(tx.conn, &token_hash)?;
    if let Some(existing) = self::role(tx.conn, business, user)? {
        let business = profile_by_id(tx.conn, business)?.ok_or(StoreError::NotFound)?;
        return Ok(Membership {
            business,
            role: existing,
        });
    }
    tx.conn.execute(
        "UPDATE invites SET used_by = ?2 WHERE token_hash = ?1",
        params![&token_hash[..], user.0],
    )?;
    tx.conn.execute(
        "INSERT INTO business_members (business_id, user_id, role, joined_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![business.0, user.0, role_str(role), now_ms()],
    )?;
    tx.forget_audiences();
    let business = profile_by_id(tx.conn, business)?.ok_or(StoreError::NotFound)?;
    Ok(Membership { business, role })
}

/// Removes a team member: their access ends with this commit, and their open dashboards are told.
pub fn remove_member(
    tx: &mut Tx<'_>,
    business: BusinessId,
    by: Role,
    user: UserId,
) -> Result<(), StoreError> {
    let target = role(tx.conn, business, user)?.ok_or(StoreError::NotFound)?;
    if target == Role::Owner {
        return Err(StoreError::Forbidden("The owner cannot be removed."));
    }
    if target == Role::Admin && by != Role::Owner {
        return Err(StoreError::Forbidden("Only the owner can remove an admin."));
    }
    tx.conn.execute(
        "DELETE FROM business_members WHERE business_id = ?1 AND user_id = ?2",
        params![business.0, user.0],
    )?;
    // Conversations they held go back to the unassigned view.
    tx.conn.execute(
        "UPDATE inbox SET assignee = NULL WHERE business_id = ?1 AND assignee = ?2",
        params![business.0, user.0],
    )?;
    tx.forget_audiences();
    let frame = ServerFrame::AccessRevoked { business };
    tx.after_commit(move |hub| {
        hub.publish(&[user], Outbound::Frame(encode(&frame)), None);
    });
    Ok(())
}

/// Adds a label (at most [`MAX_LABELS`], names unique).
pub fn add_label(tx: &mut Tx<'_>, business: BusinessId, l: &NewLabel) -> Result<Label, StoreError> {
    let count: i64 = tx.conn.query_row(
        "SELECT COUNT(*) FROM labels WHERE business_id = ?1",
        [business.0],
        |r| r.get(0),
    )?;
    if count as usize >= MAX_LABELS {
        return Err(StoreError::Invalid("A business has at most 50 labels."));
    }
    let label = Label {
        id: LabelId::new(),
        name: l.name.clone(),
        color: l.color.clone(),
    };
    let inserted = tx.conn.execute(
        "INSERT OR IGNORE INTO labels (id, business_id, name, color) VALUES (?1, ?2, ?3, ?4)",
        params![label.id.0, business.0, label.name, label.color],
    )?;
    if inserted == 0 {
        return Err(StoreError::Invalid(
            "There is already a label with that name.",
        ));
    }
    Ok(label)
}

/// Deletes a label and takes it off every conversation.
pub fn delete_label(tx: &mut Tx<'_>, business: BusinessId, id: LabelId) -> Result<(), StoreError> {
    let exists: Option<i64> = tx
        .conn
        .query_row(
            "SELECT 1 FROM labels WHERE id = ?1 AND business_id = ?2",
            params![id.0, business.0],
            |r| r.get(0),
        )
        .optional()?;
    exists.ok_or(StoreError::NotFound)?;
    tx.conn.execute(
        "DELETE FROM conversation_labels WHERE label_id = ?1",
        [id.0],
    )?;
    tx.conn
        .execute("DELETE FROM labels WHERE id = ?1", [id.0])?;
    Ok(())
}

/// Adds a quick reply (shortcuts unique).
pub fn add_quick_reply(
    tx: &mut Tx<'_>,
    business: BusinessId,
    q: &NewQuickReply,
) -> Result<QuickReply, StoreError> {
    let count: i64 = tx.conn.query_row(
        "SELECT COUNT(*) FROM quick_replies WHERE business_id = ?1",
        [business.0],
        |r| r.get(0),
    )?;
    if count as usize >= MAX_QUICK_REPLIES {
        return Err(StoreError::Invalid(
            "A business has at most 200 quick replies.",
        ));
    }
    let reply = QuickReply {
        id: QuickReplyId::new(),
        shortcut: q.shortcut.clone(),
        text: q.text.clone(),
    };
    let inserted = tx.conn.execute(
        "INSERT OR IGNORE INTO quick_replies (id, business_id, shortcut, text)
         VALUES (?1, ?2, ?3, ?4)",
        params![reply.id.0, business.0, reply.shortcut, reply.text],
    )?;
    if inserted == 0 {
        return Err(StoreError::Invalid(
            "There is already a quick reply with that shortcut.",
        ));
    }
    Ok(reply)
}

/// Deletes a quick reply.
pub fn delete_quick_reply(
    tx: &mut Tx<'_>,
    business: BusinessId,
    id: QuickReplyId,
) -> Result<(), StoreError> {
    let n = tx.conn.execute(
        "DELETE FROM quick_replies WHERE id = ?1 AND business_id = ?2",
        params![id.0, business.0],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A party with its badge, for callers that hold only an id.
pub fn party(conn: &Connection, id: UserId) -> Result<Option<kontor_protocol::User>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {PARTY_COLUMNS} FROM users u LEFT JOIN businesses b ON b.id = u.id
                 WHERE u.id = ?1"
            ),
            [id.0],
            |r| party_from(r, 0),
        )
        .optional()?)
}
