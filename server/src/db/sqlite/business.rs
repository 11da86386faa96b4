//! Businesses: profiles, teams, invites, settings, labels and quick replies. A business is a row
//! in `users` (kind `business`, no password: nobody logs in as it) plus its profile in
//! `businesses`.

use super::Sql;
use super::rows::{PROFILE_SELECT, profile_from, role_from, role_str, user_from};
use crate::db::{Businesses, DbError, DbResult, InviteRow};
use kontor_protocol::business::{
    AutoReply, BusinessProfile, BusinessSettings, Label, Membership, OpeningHours, ProfileFields,
    QuickReply, Role, TeamMember,
};
use kontor_protocol::{BusinessId, Handle, LabelId, QuickReplyId, Timestamp, UserId};
use rusqlite::{OptionalExtension, params};

impl Businesses for Sql<'_> {
    fn profile_by_handle(&self, handle: &Handle, now: i64) -> DbResult<Option<BusinessProfile>> {
        Ok(self
            .0
            .prepare_cached(&format!("{PROFILE_SELECT} WHERE u.handle = ?1"))?
            .query_row([handle.as_str()], |r| profile_from(r, now))
            .optional()?)
    }

    fn profile_by_id(&self, id: BusinessId, now: i64) -> DbResult<Option<BusinessProfile>> {
        Ok(self
            .0
            .prepare_cached(&format!("{PROFILE_SELECT} WHERE b.id = ?1"))?
            .query_row([id.0], |r| profile_from(r, now))
            .optional()?)
    }

    fn business_id(&self, handle: &Handle) -> DbResult<Option<BusinessId>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT u.id FROM users u JOIN businesses b ON b.id = u.id WHERE u.handle = ?1",
            )?
            .query_row([handle.as_str()], |r| Ok(BusinessId(r.get(0)?)))
            .optional()?)
    }

    fn business_hours(&self, id: BusinessId) -> DbResult<OpeningHours> {
        let raw: String = self
            .0
            .prepare_cached("SELECT hours FROM businesses WHERE id = ?1")?
            .query_row([id.0], |r| r.get(0))?;
        serde_json::from_str(&raw).map_err(|_| DbError::Corrupt("opening hours"))
    }

    fn role(&self, business: BusinessId, user: UserId) -> DbResult<Option<Role>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT role FROM business_members WHERE business_id = ?1 AND user_id = ?2",
            )?
            .query_row(params![business.0, user.0], |r| r.get::<_, String>(0))
            .optional()?
            .map(|r| role_from(&r)))
    }

    fn team(&self, business: BusinessId) -> DbResult<Vec<TeamMember>> {
        let mut stmt = self.0.prepare_cached(
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

    fn memberships(&self, user: UserId, now: i64) -> DbResult<Vec<Membership>> {
        let mut stmt = self.0.prepare_cached(&format!(
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
                let role = self.role(business.id, user)?.unwrap_or(Role::Agent);
                Ok(Membership { business, role })
            })
            .collect()
    }

    fn settings(&self, business: BusinessId) -> DbResult<BusinessSettings> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT greeting_enabled, greeting_text, away_enabled, away_text, show_agent_names
                 FROM businesses WHERE id = ?1",
            )?
            .query_row([business.0], |r| {
                Ok(BusinessSettings {
                    greeting: AutoReply {
                        enabled: r.get(0)?,
                        text: r.get(1)?,
                    },
                    away: AutoReply {
                        enabled: r.get(2)?,
                        text: r.get(3)?,
                    },
                    show_agent_names: r.get(4)?,
                })
            })?)
    }

    fn logo(&self, handle: &Handle) -> DbResult<Option<Vec<u8>>> {
        Ok(self
            .0
            .query_row(
                "SELECT b.logo FROM businesses b JOIN users u ON u.id = b.id WHERE u.handle = ?1",
                [handle.as_str()],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }

    fn labels(&self, business: BusinessId) -> DbResult<Vec<Label>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, name, color FROM labels WHERE business_id = ?1
             ORDER BY name COLLATE NOCASE",
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

    fn quick_replies(&self, business: BusinessId) -> DbResult<Vec<QuickReply>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, shortcut, text FROM quick_replies WHERE business_id = ?1
             ORDER BY shortcut",
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

    fn invite(&self, token_hash: &[u8; 32]) -> DbResult<Option<InviteRow>> {
        Ok(self
            .0
            .query_row(
                "SELECT business_id, role, expires_at, used_by IS NOT NULL FROM invites
                 WHERE token_hash = ?1",
                [&token_hash[..]],
                |r| {
                    Ok(InviteRow {
                        business: BusinessId(r.get(0)?),
                        role: role_from(&r.get::<_, String>(1)?),
                        expires_at: r.get(2)?,
                        used: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn verified_names(&self, except: Option<BusinessId>) -> DbResult<Vec<(String, String)>> {
        let rows = self
            .0
            .prepare_cached(
                "SELECT u.handle, u.display_name FROM businesses b JOIN users u ON u.id = b.id
                 WHERE b.verified = 1 AND b.id IS NOT ?1",
            )?
            .query_map([except.map(|b| b.0)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn insert_business(
        &self,
        id: BusinessId,
        handle: &Handle,
        name: &str,
        at: i64,
    ) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO users (id, handle, display_name, password_hash, created_at, kind)
             VALUES (?1, ?2, ?3, '', ?4, 'business')",
            params![id.0, handle.as_str(), name, at],
        )?;
        self.0.execute(
            "INSERT INTO businesses (id, category, description, address, email, websites, hours,
                 created_at) VALUES (?1, '', '', '', '', '[]', '{}', ?2)",
            params![id.0, at],
        )?;
        Ok(())
    }

    fn write_profile(&self, id: BusinessId, fields: &ProfileFields) -> DbResult<()> {
        let websites =
            serde_json::to_string(&fields.websites).map_err(|_| DbError::Corrupt("websites"))?;
        let hours = serde_json::to_string(&fields.hours).map_err(|_| DbError::Corrupt("hours"))?;
        self.0.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![id.0, fields.name],
        )?;
        self.0.execute(
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

    fn set_verified(&self, id: BusinessId, verified: bool) -> DbResult<()> {
        self.0.execute(
            "UPDATE businesses SET verified = ?2 WHERE id = ?1",
            params![id.0, verified],
        )?;
        Ok(())
    }

    fn set_logo(&self, id: BusinessId, png: &[u8]) -> DbResult<()> {
        self.0.execute(
            "UPDATE businesses SET logo = ?2, logo_version = logo_version + 1 WHERE id = ?1",
            params![id.0, png],
        )?;
        Ok(())
    }

    fn save_settings(&self, business: BusinessId, s: &BusinessSettings) -> DbResult<()> {
        self.0.execute(
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
        Ok(())
    }

    fn insert_team_member(
        &self,
        business: BusinessId,
        user: UserId,
        role: Role,
        at: i64,
    ) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO business_members (business_id, user_id, role, joined_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![business.0, user.0, role_str(role), at],
        )?;
        Ok(())
    }

    fn delete_team_member(&self, business: BusinessId, user: UserId) -> DbResult<()> {
        self.0.execute(
            "DELETE FROM business_members WHERE business_id = ?1 AND user_id = ?2",
            params![business.0, user.0],
        )?;
        self.0.execute(
            "UPDATE inbox SET assignee = NULL WHERE business_id = ?1 AND assignee = ?2",
            params![business.0, user.0],
        )?;
        Ok(())
    }

    fn insert_invite(
        &self,
        token_hash: &[u8; 32],
        business: BusinessId,
        role: Role,
        by: UserId,
        expires_at: i64,
    ) -> DbResult<()> {
        self.0.execute(
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
        Ok(())
    }

    fn use_invite(&self, token_hash: &[u8; 32], user: UserId) -> DbResult<()> {
        self.0.execute(
            "UPDATE invites SET used_by = ?2 WHERE token_hash = ?1",
            params![&token_hash[..], user.0],
        )?;
        Ok(())
    }

    fn count_labels(&self, business: BusinessId) -> DbResult<usize> {
        let n: i64 = self.0.query_row(
            "SELECT COUNT(*) FROM labels WHERE business_id = ?1",
            [business.0],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    fn insert_label(&self, business: BusinessId, label: &Label) -> DbResult<bool> {
        let n = self.0.execute(
            "INSERT OR IGNORE INTO labels (id, business_id, name, color) VALUES (?1, ?2, ?3, ?4)",
            params![label.id.0, business.0, label.name, label.color],
        )?;
        Ok(n > 0)
    }

    fn delete_label(&self, business: BusinessId, id: LabelId) -> DbResult<bool> {
        let exists = self
            .0
            .query_row(
                "SELECT 1 FROM labels WHERE id = ?1 AND business_id = ?2",
                params![id.0, business.0],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some();
        if exists {
            self.0.execute(
                "DELETE FROM conversation_labels WHERE label_id = ?1",
                [id.0],
            )?;
            self.0.execute("DELETE FROM labels WHERE id = ?1", [id.0])?;
        }
        Ok(exists)
    }

    fn count_quick_replies(&self, business: BusinessId) -> DbResult<usize> {
        let n: i64 = self.0.query_row(
            "SELECT COUNT(*) FROM quick_replies WHERE business_id = ?1",
            [business.0],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    fn insert_quick_reply(&self, business: BusinessId, reply: &QuickReply) -> DbResult<bool> {
        let n = self.0.execute(
            "INSERT OR IGNORE INTO quick_replies (id, business_id, shortcut, text)
             VALUES (?1, ?2, ?3, ?4)",
            params![reply.id.0, business.0, reply.shortcut, reply.text],
        )?;
        Ok(n > 0)
    }

    fn delete_quick_reply(&self, business: BusinessId, id: QuickReplyId) -> DbResult<bool> {
        let n = self.0.execute(
            "DELETE FROM quick_replies WHERE id = ?1 AND business_id = ?2",
            params![id.0, business.0],
        )?;
        Ok(n > 0)
    }
}
