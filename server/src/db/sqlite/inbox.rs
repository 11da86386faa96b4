//! The shared team inbox's rows, notes, and what statistics count. Pages and filters run here,
//! on indexed columns, so a business with 10,000 conversations never ships them all.

use super::Sql;
use super::rows::{ITEM_SELECT, NOTE_SELECT, event_from, item_from, note_from};
use crate::db::{DbResult, Inbox, InboxEvent, InboxRow, MessageFact};
use kontor_protocol::business::{
    InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, InboxView, Note,
};
use kontor_protocol::{BusinessId, ConversationId, LabelId, NoteId, UserId};
use rusqlite::types::ToSql;
use rusqlite::{OptionalExtension, params};

/// `WHERE` conditions and parameters for a status and label filter.
fn filter_sql(filter: &InboxFilter, params: &mut Vec<Box<dyn ToSql>>) -> String {
    let mut sql = String::new();
    if let Some(status) = filter.status {
        params.push(Box::new(status.as_str()));
        sql.push_str(&format!(" AND i.status = ?{}", params.len()));
    }
    if let Some(label) = filter.label {
        params.push(Box::new(label.0));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM conversation_labels l
                 WHERE l.conversation_id = i.conversation_id AND l.label_id = ?{})",
            params.len()
        ));
    }
    sql
}

impl Inbox for Sql<'_> {
    fn inbox_row(&self, conversation: ConversationId) -> DbResult<Option<InboxRow>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT status, last_customer_at, away_day FROM inbox WHERE conversation_id = ?1",
            )?
            .query_row([conversation.0], |r| {
                Ok(InboxRow {
                    status: InboxStatus::parse(&r.get::<_, String>(0)?)
                        .unwrap_or(InboxStatus::Open),
                    last_customer_at: r.get(1)?,
                    away_day: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn insert_inbox_row(
        &self,
        conversation: ConversationId,
        business: BusinessId,
        customer: UserId,
        at: i64,
        preview: &str,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO inbox (conversation_id, business_id, customer_id, status,
                     last_activity, preview, first_contact, last_customer_at)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?4, ?4)",
            )?
            .execute(params![conversation.0, business.0, customer.0, at, preview])?;
        Ok(())
    }

    fn renew_inbox_row(
        &self,
        conversation: ConversationId,
        at: i64,
        preview: &str,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "UPDATE inbox SET status = CASE WHEN status IN ('resolved', 'snoozed')
                         THEN 'open' ELSE status END,
                     snooze_until = NULL, snooze_next = 0,
                     last_activity = ?2, preview = ?3, last_customer_at = ?2
                 WHERE conversation_id = ?1",
            )?
            .execute(params![conversation.0, at, preview])?;
        Ok(())
    }

    fn set_away_day(&self, conversation: ConversationId, day: &str) -> DbResult<()> {
        self.0
            .prepare_cached("UPDATE inbox SET away_day = ?2 WHERE conversation_id = ?1")?
            .execute(params![conversation.0, day])?;
        Ok(())
    }

    fn note_business_message(
        &self,
        conversation: ConversationId,
        at: i64,
        preview: &str,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "UPDATE inbox SET last_activity = ?2, preview = ?3 WHERE conversation_id = ?1",
            )?
            .execute(params![conversation.0, at, preview])?;
        Ok(())
    }

    fn log_inbox_event(
        &self,
        business: BusinessId,
        conversation: ConversationId,
        event: InboxEvent,
        at: i64,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO inbox_events (business_id, conversation_id, kind, at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![business.0, conversation.0, event.as_str(), at])?;
        Ok(())
    }

    fn inbox_item(&self, conversation: ConversationId) -> DbResult<Option<InboxItem>> {
        Ok(self
            .0
            .prepare_cached(&format!("{ITEM_SELECT} WHERE i.conversation_id = ?1"))?
            .query_row([conversation.0], |r| item_from(self.0, r))
            .optional()?)
    }

    fn inbox_page(
        &self,
        business: BusinessId,
        user: UserId,
        filter: &InboxFilter,
        before: Option<InboxCursor>,
        limit: u32,
    ) -> DbResult<(Vec<InboxItem>, InboxCounts, Option<InboxCursor>)> {
        let conn = self.0;
        let mut params: Vec<Box<dyn ToSql>> = vec![Box::new(business.0)];
        let narrowing = filter_sql(filter, &mut params);
        let counts_sql = format!(
            "SELECT COUNT(*) FILTER (WHERE i.assignee IS NULL),
                    COUNT(*) FILTER (WHERE i.assignee = ?{}), COUNT(*)
             FROM inbox i WHERE i.business_id = ?1{narrowing}",
            params.len() + 1
        );
        let mut count_params: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
        count_params.push(&user.0);
        let counts = conn
            .prepare_cached(&counts_sql)?
            .query_row(&count_params[..], |r| {
                Ok(InboxCounts {
                    unassigned: r.get::<_, i64>(0)? as u32,
                    mine: r.get::<_, i64>(1)? as u32,
                    all: r.get::<_, i64>(2)? as u32,
                })
            })?;

        let mut sql = format!("{ITEM_SELECT} WHERE i.business_id = ?1{narrowing}");
        match filter.view {
            InboxView::Unassigned => sql.push_str(" AND i.assignee IS NULL"),
            InboxView::Mine => {
                params.push(Box::new(user.0));
                sql.push_str(&format!(" AND i.assignee = ?{}", params.len()));
            }
            InboxView::All => {}
        }
        if let Some(cursor) = before {
            params.push(Box::new(cursor.last_activity.0));
            params.push(Box::new(cursor.conversation_id.0));
            let (a, c) = (params.len() - 1, params.len());
            sql.push_str(&format!(
                " AND (i.last_activity < ?{a} OR (i.last_activity = ?{a} AND i.conversation_id < ?{c}))"
            ));
        }
        params.push(Box::new(limit as i64 + 1));
        sql.push_str(&format!(
            " ORDER BY i.last_activity DESC, i.conversation_id DESC LIMIT ?{}",
            params.len()
        ));
        let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
        let mut items: Vec<InboxItem> = conn
            .prepare_cached(&sql)?
            .query_map(&refs[..], |r| item_from(conn, r))?
            .collect::<Result<_, _>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|i| InboxCursor {
                last_activity: i.last_activity,
                conversation_id: i.conversation_id,
            })
        } else {
            None
        };
        Ok((items, counts, next))
    }

    fn set_assignee(
        &self,
        conversation: ConversationId,
        assignee: Option<UserId>,
    ) -> DbResult<bool> {
        let n = self.0.execute(
            "UPDATE inbox SET assignee = ?2 WHERE conversation_id = ?1",
            params![conversation.0, assignee.map(|a| a.0)],
        )?;
        Ok(n > 0)
    }

    fn set_inbox_status(
        &self,
        conversation: ConversationId,
        status: InboxStatus,
        snooze_until: Option<i64>,
        snooze_next: bool,
    ) -> DbResult<()> {
        self.0.execute(
            "UPDATE inbox SET status = ?2, snooze_until = ?3, snooze_next = ?4
             WHERE conversation_id = ?1",
            params![conversation.0, status.as_str(), snooze_until, snooze_next],
        )?;
        Ok(())
    }

    fn due_snoozed(&self, now: i64) -> DbResult<Vec<ConversationId>> {
        let ids = self
            .0
            .prepare_cached(
                "SELECT conversation_id FROM inbox WHERE status = 'snoozed' AND snooze_until <= ?1",
            )?
            .query_map([now], |r| Ok(ConversationId(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn label_belongs(&self, label: LabelId, business: BusinessId) -> DbResult<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM labels WHERE id = ?1 AND business_id = ?2")?
            .query_row(params![label.0, business.0], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some())
    }

    fn replace_labels(&self, conversation: ConversationId, labels: &[LabelId]) -> DbResult<()> {
        self.0.execute(
            "DELETE FROM conversation_labels WHERE conversation_id = ?1",
            [conversation.0],
        )?;
        let mut add = self.0.prepare_cached(
            "INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id) VALUES (?1, ?2)",
        )?;
        for label in labels {
            add.execute(params![conversation.0, label.0])?;
        }
        Ok(())
    }

    fn note(&self, id: NoteId) -> DbResult<Option<Note>> {
        Ok(self
            .0
            .prepare_cached(&format!("{NOTE_SELECT} WHERE n.id = ?1"))?
            .query_row([id.0], note_from)
            .optional()?)
    }

    fn insert_note(
        &self,
        id: NoteId,
        conversation: ConversationId,
        author: UserId,
        body: &str,
        mentions: &[UserId],
        at: i64,
    ) -> DbResult<()> {
        let mentions = serde_json::to_string(mentions).unwrap_or_else(|_| "[]".into());
        self.0.execute(
            "INSERT INTO notes (id, conversation_id, author_id, body, mentions, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.0, conversation.0, author.0, body, mentions, at],
        )?;
        Ok(())
    }

    fn notes(&self, conversation: ConversationId) -> DbResult<Vec<Note>> {
        let rows = self
            .0
            .prepare_cached(&format!(
                "{NOTE_SELECT} WHERE n.conversation_id = ?1 ORDER BY n.created_at"
            ))?
            .query_map([conversation.0], note_from)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn inbox_events(&self, conversation: ConversationId) -> DbResult<Vec<(InboxEvent, i64)>> {
        let rows = self
            .0
            .prepare_cached(
                "SELECT kind, at FROM inbox_events WHERE conversation_id = ?1 ORDER BY at, id",
            )?
            .query_map([conversation.0], |r| {
                Ok((event_from(&r.get::<_, String>(0)?), r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn customer_messages_between(
        &self,
        conversation: ConversationId,
        customer: UserId,
        from: i64,
        to: i64,
    ) -> DbResult<u32> {
        let n: i64 = self
            .0
            .prepare_cached(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND sender_id = ?2
                 AND sent_at >= ?3 AND sent_at <= ?4",
            )?
            .query_row(params![conversation.0, customer.0, from, to], |r| r.get(0))?;
        Ok(n as u32)
    }

    fn message_facts(&self, business: BusinessId, since: i64) -> DbResult<Vec<MessageFact>> {
        let rows = self
            .0
            .prepare_cached(
                "SELECT m.sent_at, m.sender_id = c.business_id, m.seq <= mem.delivered_seq,
                        m.seq <= mem.read_seq
                 FROM conversations c JOIN messages m ON m.conversation_id = c.id
                 JOIN members mem ON mem.conversation_id = c.id AND mem.user_id != c.business_id
                 WHERE c.business_id = ?1 AND m.sent_at >= ?2",
            )?
            .query_map(params![business.0, since], |r| {
                Ok(MessageFact {
                    at: r.get(0)?,
                    from_business: r.get(1)?,
                    delivered: r.get(2)?,
                    read: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn business_events(
        &self,
        business: BusinessId,
        since: i64,
    ) -> DbResult<Vec<(ConversationId, InboxEvent, i64)>> {
        let rows = self
            .0
            .prepare_cached(
                "SELECT conversation_id, kind, at FROM inbox_events
                 WHERE business_id = ?1 AND at >= ?2",
            )?
            .query_map(params![business.0, since], |r| {
                Ok((
                    ConversationId(r.get(0)?),
                    event_from(&r.get::<_, String>(1)?),
                    r.get(2)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn first_agent_reply(&self, conversation: ConversationId, at: i64) -> DbResult<Option<i64>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT MIN(sent_at) FROM messages WHERE conversation_id = ?1
                     AND agent_id IS NOT NULL AND sent_at >= ?2",
            )?
            .query_row(params![conversation.0, at], |r| r.get(0))?)
    }
}
