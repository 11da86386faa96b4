//! Conversations, members and receipt marks.

use super::Sql;
use super::rows::{PARTY_COLUMNS, party_from};
use crate::db::{Audience, Conversations, DbResult, Marks, Safety};
use kontor_protocol::{
    BusinessId, Conversation, ConversationId, ConversationKind, Member, Pos, Seq, Timestamp, UserId,
};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

impl Sql<'_> {
    fn member_ids(&self, id: ConversationId) -> DbResult<Vec<UserId>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT user_id FROM members WHERE conversation_id = ?1")?;
        let ids = stmt
            .query_map([id.0], |r| Ok(UserId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}

impl Conversations for Sql<'_> {
    fn conversation_audience(&self, id: ConversationId) -> DbResult<Audience> {
        let members = self.member_ids(id)?;
        let business: Option<Option<Uuid>> = self
            .0
            .prepare_cached("SELECT business_id FROM conversations WHERE id = ?1")?
            .query_row([id.0], |r| r.get(0))
            .optional()?;
        let business = business.flatten().map(BusinessId);
        let team = match business {
            Some(b) => self.team_ids(b)?,
            None => Vec::new(),
        };
        let blocks = match members[..] {
            [first, second] => self.blocks_between(first, second)?,
            _ => Default::default(),
        };
        Ok(Audience {
            members,
            business,
            team,
            blocks,
        })
    }

    fn team_ids(&self, business: BusinessId) -> DbResult<Vec<UserId>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT user_id FROM business_members WHERE business_id = ?1")?;
        let ids = stmt
            .query_map([business.0], |r| Ok(UserId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn conversation(&self, id: ConversationId) -> DbResult<Option<Conversation>> {
        let head = self
            .0
            .prepare_cached(
                "SELECT created_at,
                     (SELECT IFNULL(MAX(seq), 0) FROM messages WHERE conversation_id = ?1),
                     business_id IS NOT NULL
                 FROM conversations WHERE id = ?1",
            )?
            .query_row([id.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })
            .optional()?;
        let Some((created_at, last_seq, is_business)) = head else {
            return Ok(None);
        };
        let mut stmt = self.0.prepare_cached(&format!(
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

    fn changed_conversations(&self, user: UserId, since: Pos) -> DbResult<Vec<Conversation>> {
        let mut stmt = self.0.prepare_cached(
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
            if let Some(c) = self.conversation(id)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn direct_conversation(&self, key: &str) -> DbResult<Option<ConversationId>> {
        Ok(self
            .0
            .prepare_cached("SELECT id FROM conversations WHERE direct_key = ?1")?
            .query_row([key], |r| Ok(ConversationId(r.get(0)?)))
            .optional()?)
    }

    fn insert_direct_conversation(
        &self,
        id: ConversationId,
        key: &str,
        business: Option<BusinessId>,
        members: [UserId; 2],
        pos: Pos,
        at: i64,
    ) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO conversations
                 (id, kind, direct_key, created_at, created_pos, business_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.0,
                if business.is_some() {
                    "business"
                } else {
                    "direct"
                },
                key,
                at,
                pos.0 as i64,
                business.map(|b| b.0)
            ],
        )?;
        let mut add = self.0.prepare_cached(
            "INSERT INTO members (user_id, conversation_id, updated_pos) VALUES (?1, ?2, ?3)",
        )?;
        for user in members {
            add.execute(params![user.0, id.0, pos.0 as i64])?;
        }
        Ok(())
    }

    fn business_conversation_ids(&self, business: BusinessId) -> DbResult<Vec<ConversationId>> {
        let ids = self
            .0
            .prepare_cached("SELECT id FROM conversations WHERE business_id = ?1")?
            .query_map([business.0], |r| Ok(ConversationId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn marks(&self, party: UserId, conversation: ConversationId) -> DbResult<Option<Marks>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT delivered_seq, read_seq,
                     (SELECT IFNULL(MAX(seq), 0) FROM messages WHERE conversation_id = ?2)
                 FROM members WHERE user_id = ?1 AND conversation_id = ?2",
            )?
            .query_row(params![party.0, conversation.0], |r| {
                Ok(Marks {
                    delivered: Seq(r.get::<_, i64>(0)? as u64),
                    read: Seq(r.get::<_, i64>(1)? as u64),
                    last: Seq(r.get::<_, i64>(2)? as u64),
                })
            })
            .optional()?)
    }

    fn set_marks(
        &self,
        party: UserId,
        conversation: ConversationId,
        delivered: Seq,
        read: Seq,
        pos: Pos,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "UPDATE members SET delivered_seq = ?3, read_seq = ?4, updated_pos = ?5
                 WHERE user_id = ?1 AND conversation_id = ?2",
            )?
            .execute(params![
                party.0,
                conversation.0,
                delivered.0 as i64,
                read.0 as i64,
                pos.0 as i64
            ])?;
        Ok(())
    }

    fn touch_member(&self, conversation: ConversationId, party: UserId, pos: Pos) -> DbResult<()> {
        self.0
            .prepare_cached(
                "UPDATE members SET updated_pos = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            )?
            .execute(params![conversation.0, party.0, pos.0 as i64])?;
        Ok(())
    }
}
