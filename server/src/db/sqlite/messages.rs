//! Messages.

use super::Sql;
use super::rows::{MESSAGE_COLUMNS, MESSAGE_FROM, message_from};
use crate::db::{DbResult, Messages, Viewer};
use kontor_protocol::{ConversationId, Message, MessageId, Pos, Seq, UserId};
use rusqlite::{OptionalExtension, params};

impl Messages for Sql<'_> {
    fn next_seq(&self, conversation: ConversationId) -> DbResult<Seq> {
        let seq: i64 = self
            .0
            .prepare_cached(
                "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?1
                 RETURNING last_seq",
            )?
            .query_row([conversation.0], |r| r.get(0))?;
        Ok(Seq(seq as u64))
    }

    fn insert_message(
        &self,
        m: &Message,
        agent_shown: bool,
        hidden_from: Option<UserId>,
    ) -> DbResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO messages
                     (pos, id, conversation_id, seq, sender_id, body, sent_at, agent_id,
                      agent_name, agent_shown, attachment_id, hidden_from)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                m.pos.0 as i64,
                m.id.0,
                m.conversation_id.0,
                m.seq.0 as i64,
                m.sender.0,
                m.body,
                m.sent_at.0,
                m.agent.as_ref().and_then(|a| a.id).map(|u| u.0),
                m.agent.as_ref().map(|a| a.name.as_str()),
                agent_shown,
                m.attachment.as_ref().map(|a| a.id.0),
                hidden_from.map(|u| u.0),
            ])?;
        Ok(())
    }

    fn message_by_id(&self, id: MessageId) -> DbResult<Option<Message>> {
        Ok(self
            .0
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id = ?1"
            ))?
            .query_row([id.0], |r| message_from(r, Viewer::Team))
            .optional()?)
    }

    fn messages_since(
        &self,
        user: UserId,
        since: Pos,
        until: Pos,
        limit: usize,
    ) -> DbResult<Vec<Message>> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM}
             WHERE m.pos > ?1 AND m.pos <= ?2
               AND m.conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?3)
               AND m.hidden_from IS NOT ?3
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

    fn history(
        &self,
        conversation: ConversationId,
        before: Seq,
        limit: u32,
        viewer: Viewer,
        user: UserId,
    ) -> DbResult<Vec<Message>> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM}
             WHERE m.conversation_id = ?1 AND m.seq < ?2 AND m.hidden_from IS NOT ?4
             ORDER BY m.seq DESC LIMIT ?3"
        ))?;
        let mut rows: Vec<Message> = stmt
            .query_map(
                params![conversation.0, before.0 as i64, limit as i64, user.0],
                |r| message_from(r, viewer),
            )?
            .collect::<Result<_, _>>()?;
        rows.reverse();
        Ok(rows)
    }

    fn agent_name_shown(&self, agent: UserId, business: UserId) -> DbResult<(String, bool)> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT u.display_name, b.show_agent_names FROM users u, businesses b
                 WHERE u.id = ?1 AND b.id = ?2",
            )?
            .query_row(params![agent.0, business.0], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }
}
