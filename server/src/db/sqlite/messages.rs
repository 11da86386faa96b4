//! Messages.

use super::Sql;
use super::rows::{MESSAGE_COLUMNS, MESSAGE_FROM, message_from};
use crate::db::{DbResult, Messages, Viewer};
use kontor_protocol::{ConversationId, Message, MessageId, Pos, Seq, UserId};
use rusqlite::{OptionalExtension, params};

impl Messages for Sql<'_> {
    fn next_seq(&self, conversation: ConversationId) -> DbResult<Seq> {
        // One writer: the highest stored number plus one is free (a read of the index's last
        // entry; a counter row would cost a page write per commit).
        let seq: i64 = self
            .0
            .prepare_cached(
                "SELECT IFNULL(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?1",
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
        self.catch_up(user, since, until, limit)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sqlite::schema;
    use crate::db::{Accounts, Conversations};
    use kontor_protocol::{Handle, Timestamp, User};
    use rusqlite::Connection;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::configure(&conn).unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn catch_up_finds_positions_in_the_conversation_index_alone() {
        let conn = database();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT pos FROM messages WHERE conversation_id = ?1
                 AND seq >= ?2 ORDER BY seq LIMIT 1",
            )
            .unwrap()
            .query_map(params![UserId::new().0, 1], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.starts_with("SEARCH messages USING COVERING INDEX")),
            "{plan:?}"
        );
    }

    /// A reader in one of many busy conversations misses a few of its own messages among
    /// thousands of others': pages of catch-up bring exactly its own, in order.
    #[test]
    fn catch_up_pages_find_sparse_messages_across_windows() {
        let conn = database();
        let sql = Sql(&conn);
        let users: Vec<User> = (0..6)
            .map(|i| {
                let handle = Handle::parse(&format!("user{i}")).unwrap();
                User::person(UserId::new(), handle, format!("User {i}"))
            })
            .collect();
        for u in &users {
            sql.insert_person(u, "hash", 0).unwrap();
        }
        let mut pos = 0;
        let mut next_pos = || {
            pos += 1;
            Pos(pos)
        };
        let conversations: Vec<ConversationId> = (0..3)
            .map(|i| {
                let id = ConversationId::new();
                let members = [users[2 * i].id, users[2 * i + 1].id];
                sql.insert_direct_conversation(id, &format!("k{i}"), None, members, next_pos(), 0)
                    .unwrap();
                id
            })
            .collect();
        let mut expected = Vec::new();
        for n in 0..3000 {
            // Every 37th message is in the reader's conversation, the rest elsewhere.
            let c = if n % 37 == 0 { 0 } else { 1 + n % 2 };
            let message = Message {
                id: MessageId::new(),
                conversation_id: conversations[c],
                seq: sql.next_seq(conversations[c]).unwrap(),
                pos: next_pos(),
                sender: users[2 * c].id,
                body: format!("m{n}"),
                sent_at: Timestamp(0),
                agent: None,
                attachment: None,
            };
            sql.insert_message(&message, false, None).unwrap();
            if c == 0 {
                expected.push(message.id);
            }
        }
        let reader = users[1].id;
        let until = next_pos();
        let mut got = Vec::new();
        let mut after = Pos(0);
        loop {
            let page = sql.messages_since(reader, after, until, 20).unwrap();
            assert!(page.len() <= 20);
            let Some(last) = page.last() else { break };
            after = last.pos;
            got.extend(page.iter().map(|m| m.id));
        }
        assert_eq!(got, expected);
        assert_eq!(
            sql.messages_since(reader, Pos(0), Pos(1), 20)
                .unwrap()
                .len(),
            0,
            "nothing at or before a position without messages"
        );
    }
}
