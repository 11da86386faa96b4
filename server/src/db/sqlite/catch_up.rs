//! What a reader missed since a position: the messages of its conversations after its cursor,
//! in position order, a page at a time.
//!
//! Cost follows what is returned, without an index of its own: within a conversation `seq` and
//! `pos` grow together (the single writer hands out both in commit order), so the
//! (conversation, seq) index is also in position order, and each of its entries carries the
//! row's position (the rowid). A conversation's part of a window of positions is found by
//! binary search over `seq` (a few index lookups, no table reads), then read as a seq range. A
//! window of W positions holds at most W messages in all, so a page reads at most a few times
//! what it returns. (An index on (conversation, pos) did the same for SQLite's planner, but it
//! cost every commit another page written.)

use super::Sql;
use super::rows::{MESSAGE_COLUMNS, MESSAGE_FROM, message_from};
use crate::db::{DbResult, Viewer};
use kontor_protocol::{ConversationId, Message, Pos, UserId};
use rusqlite::{OptionalExtension, params};

/// Positions a page's first window spans, in pages: a window of W positions holds at most W
/// messages, so a page reads at most this many times its size (and widens while windows come
/// back short, so a reader in quiet conversations needs few windows).
const FIRST_WINDOW_PAGES: u64 = 4;

/// A conversation's newest message.
struct Head {
    conversation: ConversationId,
    seq: u64,
    pos: u64,
}

impl Sql<'_> {
    /// The reader's messages with positions in (`since`, `until`], oldest first, at most
    /// `limit`; messages withheld from the reader are left out.
    pub(super) fn catch_up(
        &self,
        user: UserId,
        since: Pos,
        until: Pos,
        limit: usize,
    ) -> DbResult<Vec<Message>> {
        let mut heads = self.heads_after(user, since.0)?;
        let mut rows = Vec::new();
        let mut from = since.0;
        let mut width = (limit as u64).saturating_mul(FIRST_WINDOW_PAGES).max(1);
        while rows.len() < limit && from < until.0 && !heads.is_empty() {
            let to = until.0.min(from.saturating_add(width));
            let mut window = Vec::new();
            for head in &heads {
                if let Some((first, last)) = self.seq_range(head, from, to)? {
                    let wanted = limit - rows.len();
                    window.extend(self.seq_slice(user, head.conversation, first, last, wanted)?);
                }
            }
            window.sort_by_key(|m: &Message| m.pos);
            window.truncate(limit - rows.len());
            rows.extend(window);
            from = to;
            width = width.saturating_mul(2);
            heads.retain(|h| h.pos > from);
        }
        Ok(rows)
    }

    /// The reader's conversations whose newest message is after `pos`.
    fn heads_after(&self, user: UserId, pos: u64) -> DbResult<Vec<Head>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT m.conversation_id, m.seq, m.pos FROM members mb
             JOIN messages m ON m.conversation_id = mb.conversation_id
              AND m.seq = (SELECT MAX(seq) FROM messages WHERE conversation_id = mb.conversation_id)
             WHERE mb.user_id = ?1 AND m.pos > ?2",
        )?;
        let heads = stmt
            .query_map(params![user.0, pos as i64], |r| {
                Ok(Head {
                    conversation: ConversationId(r.get(0)?),
                    seq: r.get::<_, i64>(1)? as u64,
                    pos: r.get::<_, i64>(2)? as u64,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(heads)
    }

    /// The first and last `seq` of the conversation's messages with positions in (`from`, `to`].
    fn seq_range(&self, head: &Head, from: u64, to: u64) -> DbResult<Option<(u64, u64)>> {
        if head.pos <= from {
            return Ok(None);
        }
        let first = self.first_seq_after(head, from, 1)?;
        let Some(first_pos) = self.pos_at(head.conversation, first)? else {
            return Ok(None);
        };
        if first_pos > to {
            return Ok(None);
        }
        let last = if head.pos <= to {
            head.seq
        } else {
            self.first_seq_after(head, to, first)? - 1
        };
        Ok(Some((first, last)))
    }

    /// The lowest `seq` from `lo` on whose position is after `pos` (the conversation's newest
    /// is).
    fn first_seq_after(&self, head: &Head, pos: u64, mut lo: u64) -> DbResult<u64> {
        let mut hi = head.seq;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.pos_at(head.conversation, mid)? {
                Some(p) if p > pos => hi = mid,
                _ => lo = mid + 1,
            }
        }
        Ok(lo)
    }

    /// The position of the first message at or after `seq` (read from the index alone).
    fn pos_at(&self, conversation: ConversationId, seq: u64) -> DbResult<Option<u64>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT pos FROM messages WHERE conversation_id = ?1 AND seq >= ?2
                 ORDER BY seq LIMIT 1",
            )?
            .query_row(params![conversation.0, seq as i64], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|p| p as u64))
    }

    /// Messages `first..=last` of a conversation, at most `limit`, as `user` may see them.
    fn seq_slice(
        &self,
        user: UserId,
        conversation: ConversationId,
        first: u64,
        last: u64,
        limit: usize,
    ) -> DbResult<Vec<Message>> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM}
             WHERE m.conversation_id = ?1 AND m.seq >= ?2 AND m.seq <= ?3
               AND m.hidden_from IS NOT ?4
             ORDER BY m.seq LIMIT ?5"
        ))?;
        let rows = stmt
            .query_map(
                params![
                    conversation.0,
                    first as i64,
                    last as i64,
                    user.0,
                    limit as i64
                ],
                |r| message_from(r, Viewer::Member),
            )?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
