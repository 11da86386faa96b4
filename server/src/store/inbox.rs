//! The shared team inbox: one row per customer conversation with its status, assignee and
//! labels; private notes; the customer panel; statistics.
//!
//! Pages and filters run here, on indexed columns, so a business with 10,000 conversations never
//! ships them all to a dashboard.

use super::business::{hours as business_hours, settings as business_settings};
use super::reads::{Audience, user_from};
use super::{StoreError, Tx, now_ms};
use crate::business::hours::{is_open, local_day};
use crate::hub::{Outbound, encode};
use kontor_protocol::business::{
    BusinessStats, CustomerPanel, DayStats, Episode, GREETING_AFTER_SILENCE_MS, INBOX_PAGE,
    InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, InboxView, Note, Snooze,
};
use kontor_protocol::limits::MAX_BODY_BYTES;
use kontor_protocol::{
    BusinessId, ConversationId, LabelId, Message, NoteId, Seq, ServerFrame, Timestamp, UserId,
};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Characters of the newest message shown in the inbox list.
const PREVIEW_CHARS: usize = 120;

fn preview(body: &str) -> String {
    body.chars().take(PREVIEW_CHARS).collect()
}

/// What the inbox list shows of a message: its text, or what it carries when it has none.
fn message_preview(message: &Message) -> String {
    match &message.attachment {
        Some(a) if message.body.trim().is_empty() => preview(&a.kind.summary(&a.name)),
        _ => preview(&message.body),
    }
}

fn log_event(
    conn: &Connection,
    business: BusinessId,
    conversation: ConversationId,
    kind: &str,
    at: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO inbox_events (business_id, conversation_id, kind, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![business.0, conversation.0, kind, at])?;
    Ok(())
}

/// Files a customer's message in the inbox (creating, reopening or waking the conversation) and
/// answers which automatic replies the business sends: the greeting on a first message or after
/// 14 days of silence, the away message outside opening hours (once per local day).
pub fn on_customer_message(
    conn: &Connection,
    business: BusinessId,
    message: &Message,
) -> Result<Vec<String>, StoreError> {
    let now = message.sent_at.0;
    let row: Option<(String, i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT status, last_customer_at, away_day FROM inbox WHERE conversation_id = ?1",
        )?
        .query_row([message.conversation_id.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let (greet, away_day) = match row {
        None => {
            conn.prepare_cached(
                "INSERT INTO inbox (conversation_id, business_id, customer_id, status,
                     last_activity, preview, first_contact, last_customer_at)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?4, ?4)",
            )?
            .execute(params![
                message.conversation_id.0,
                business.0,
                message.sender.0,
                now,
                message_preview(message)
            ])?;
            log_event(conn, business, message.conversation_id, "opened", now)?;
            (true, None)
        }
        Some((status, last_customer_at, away_day)) => {
            // A customer's message wakes a snoozed conversation and reopens a resolved one.
            if status == "resolved" {
                log_event(conn, business, message.conversation_id, "opened", now)?;
            }
            conn.prepare_cached(
                "UPDATE inbox SET status = CASE WHEN status IN ('resolved', 'snoozed')
                         THEN 'open' ELSE status END,
                     snooze_until = NULL, snooze_next = 0,
                     last_activity = ?2, preview = ?3, last_customer_at = ?2
                 WHERE conversation_id = ?1",
            )?
            .execute(params![
                message.conversation_id.0,
                now,
                message_preview(message)
            ])?;
            (
                now - last_customer_at >= GREETING_AFTER_SILENCE_MS,
                away_day,
            )
        }
    };
    let settings = business_settings(conn, business)?;
    let mut replies = Vec::new();
    if greet && settings.greeting.enabled {
        replies.push(settings.greeting.text);
    }
    if settings.away.enabled {
        let hours = business_hours(conn, business)?;
        let today = local_day(&hours, now);
        if !is_open(&hours, now) && away_day.as_deref() != Some(today.as_str()) {
            conn.prepare_cached("UPDATE inbox SET away_day = ?2 WHERE conversation_id = ?1")?
                .execute(params![message.conversation_id.0, today])?;
            replies.push(settings.away.text);
        }
    }
    Ok(replies)
}

/// Notes a business message in the inbox list.
pub fn on_business_message(conn: &Connection, message: &Message) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE inbox SET last_activity = ?2, preview = ?3 WHERE conversation_id = ?1",
    )?
    .execute(params![
        message.conversation_id.0,
        message.sent_at.0,
        message_preview(message)
    ])?;
    Ok(())
}

const ITEM_SELECT: &str = "SELECT i.conversation_id, i.business_id, i.status, i.snooze_until,
    i.snooze_next, i.last_activity, i.preview, i.first_contact, c.last_seq,
    cu.id, cu.handle, cu.display_name, au.id, au.handle, au.display_name,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = i.conversation_id
        AND m.sender_id = i.customer_id
        AND m.seq > IFNULL((SELECT read_seq FROM members
            WHERE conversation_id = i.conversation_id AND user_id = i.business_id), 0))
    FROM inbox i JOIN conversations c ON c.id = i.conversation_id
    JOIN users cu ON cu.id = i.customer_id LEFT JOIN users au ON au.id = i.assignee";

fn item_from(conn: &Connection, r: &rusqlite::Row<'_>) -> rusqlite::Result<InboxItem> {
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
    Ok(InboxItem {
        conversation_id,
        business: BusinessId(r.get(1)?),
        customer: user_from(r, 9)?,
        status,
        snooze,
        assignee,
        labels: conversation_labels(conn, conversation_id)?,
        last_activity: Timestamp(r.get(5)?),
        last_seq: Seq(r.get::<_, i64>(8)? as u64),
        preview: r.get(6)?,
        unread: r.get::<_, i64>(15)? as u32,
        first_contact: Timestamp(r.get(7)?),
    })
}

fn conversation_labels(
    conn: &Connection,
    conversation: ConversationId,
) -> rusqlite::Result<Vec<LabelId>> {
    conn.prepare_cached("SELECT label_id FROM conversation_labels WHERE conversation_id = ?1")?
        .query_map([conversation.0], |r| Ok(LabelId(r.get(0)?)))?
        .collect()
}

/// A customer conversation's inbox state (none before the customer's first message).
pub fn item(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<Option<InboxItem>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("{ITEM_SELECT} WHERE i.conversation_id = ?1"))?
        .query_row([conversation.0], |r| item_from(conn, r))
        .optional()?)
}

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

/// One page of an inbox view, newest activity first, with the views' sizes.
pub fn page(
    conn: &Connection,
    business: BusinessId,
    user: UserId,
    filter: &InboxFilter,
    before: Option<InboxCursor>,
) -> Result<(Vec<InboxItem>, InboxCounts, Option<InboxCursor>), StoreError> {
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
    params.push(Box::new(INBOX_PAGE as i64 + 1));
    sql.push_str(&format!(
        " ORDER BY i.last_activity DESC, i.conversation_id DESC LIMIT ?{}",
        params.len()
    ));
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut items: Vec<InboxItem> = conn
        .prepare_cached(&sql)?
        .query_map(&refs[..], |r| item_from(conn, r))?
        .collect::<Result<_, _>>()?;
    let next = if items.len() > INBOX_PAGE as usize {
        items.truncate(INBOX_PAGE as usize);
        items.last().map(|i| InboxCursor {
            last_activity: i.last_activity,
            conversation_id: i.conversation_id,
        })
    } else {
        None
    };
    Ok((items, counts, next))
}

/// The audience of a conversation, if `user` is on its business's team (else `NotFound`, so an
/// outsider learns nothing about the conversation).
fn team_audience(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
) -> Result<Arc<Audience>, StoreError> {
    let audience = tx.audience(conversation)?;
    if audience.business.is_none() || !audience.is_team(user) {
        return Err(StoreError::NotFound);
    }
    Ok(audience)
}

/// Publishes a conversation's new inbox state to its team after the commit.
fn publish_item(
    tx: &mut Tx<'_>,
    audience: &Audience,
    conversation: ConversationId,
) -> Result<InboxItem, StoreError> {
    let item = item(tx.conn, conversation)?.ok_or(StoreError::NotFound)?;
    let team = audience.team.clone();
    let frame = ServerFrame::InboxItem { item: item.clone() };
    tx.after_commit(move |hub| hub.publish(&team, Outbound::Frame(encode(&frame)), None));
    Ok(item)
}

/// Gives a conversation to a teammate, or to nobody.
pub fn assign(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
    assignee: Option<UserId>,
) -> Result<InboxItem, StoreError> {
    let audience = team_audience(tx, user, conversation)?;
    if let Some(a) = assignee
        && !audience.team.contains(&a)
    {
        return Err(StoreError::Invalid("That person is not on the team."));
    }
    let n = tx.conn.execute(
        "UPDATE inbox SET assignee = ?2 WHERE conversation_id = ?1",
        params![conversation.0, assignee.map(|a| a.0)],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    publish_item(tx, &audience, conversation)
}

/// Changes a conversation's status.
pub fn set_status(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
    status: InboxStatus,
    snooze: Option<Snooze>,
) -> Result<InboxItem, StoreError> {
    let audience = team_audience(tx, user, conversation)?;
    let (until, next) = match (status, snooze) {
        (InboxStatus::Snoozed, Some(Snooze::Time { at })) if at.0 > now_ms() => (Some(at.0), false),
        (InboxStatus::Snoozed, Some(Snooze::Time { .. })) => {
            return Err(StoreError::Invalid("Snooze until a time in the future."));
        }
        (InboxStatus::Snoozed, Some(Snooze::NextMessage)) => (None, true),
        (InboxStatus::Snoozed, None) => {
            return Err(StoreError::Invalid(
                "Say until when to snooze: a time or the customer's next message.",
            ));
        }
        _ => (None, false),
    };
    let before: Option<String> = tx
        .conn
        .query_row(
            "SELECT status FROM inbox WHERE conversation_id = ?1",
            [conversation.0],
            |r| r.get(0),
        )
        .optional()?;
    let before = before.ok_or(StoreError::NotFound)?;
    tx.conn.execute(
        "UPDATE inbox SET status = ?2, snooze_until = ?3, snooze_next = ?4
         WHERE conversation_id = ?1",
        params![conversation.0, status.as_str(), until, next],
    )?;
    let business = audience.business.ok_or(StoreError::NotFound)?;
    let now = now_ms();
    if status == InboxStatus::Resolved && before != "resolved" {
        log_event(tx.conn, business, conversation, "resolved", now)?;
    } else if before == "resolved" && status != InboxStatus::Resolved {
        log_event(tx.conn, business, conversation, "opened", now)?;
    }
    publish_item(tx, &audience, conversation)
}

/// Reopens conversations whose snooze time has come.
pub fn wake_snoozed(tx: &mut Tx<'_>) -> Result<usize, StoreError> {
    let due: Vec<ConversationId> = tx
        .conn
        .prepare_cached(
            "SELECT conversation_id FROM inbox WHERE status = 'snoozed' AND snooze_until <= ?1",
        )?
        .query_map([now_ms()], |r| Ok(ConversationId(r.get(0)?)))?
        .collect::<Result<_, _>>()?;
    for id in &due {
        tx.conn.execute(
            "UPDATE inbox SET status = 'open', snooze_until = NULL WHERE conversation_id = ?1",
            [id.0],
        )?;
        let audience = tx.audience(*id)?;
        publish_item(tx, &audience, *id)?;
    }
    Ok(due.len())
}

/// Replaces a conversation's labels (each must be the business's own).
pub fn set_labels(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
    labels: &[LabelId],
) -> Result<InboxItem, StoreError> {
    let audience = team_audience(tx, user, conversation)?;
    let business = audience.business.ok_or(StoreError::NotFound)?;
    for label in labels {
        let ours: Option<i64> = tx
            .conn
            .query_row(
                "SELECT 1 FROM labels WHERE id = ?1 AND business_id = ?2",
                params![label.0, business.0],
                |r| r.get(0),
            )
            .optional()?;
        if ours.is_none() {
            return Err(StoreError::Invalid("That label does not exist."));
        }
    }
    tx.conn.execute(
        "DELETE FROM conversation_labels WHERE conversation_id = ?1",
        [conversation.0],
    )?;
    for label in labels {
        tx.conn.execute(
            "INSERT OR IGNORE INTO conversation_labels (conversation_id, label_id) VALUES (?1, ?2)",
            params![conversation.0, label.0],
        )?;
    }
    publish_item(tx, &audience, conversation)
}

fn note_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
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

const NOTE_SELECT: &str = "SELECT n.id, n.conversation_id, n.body, n.mentions, n.created_at,
    u.id, u.handle, u.display_name FROM notes n JOIN users u ON u.id = n.author_id";

/// Adds a private note. It goes to the team's connections only, never to the customer's.
pub fn add_note(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
    id: NoteId,
    body: &str,
) -> Result<Note, StoreError> {
    let audience = team_audience(tx, user, conversation)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(StoreError::Invalid("A note cannot be empty."));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(StoreError::Invalid("A note has at most 32 KiB of text."));
    }
    let existing = tx
        .conn
        .query_row(&format!("{NOTE_SELECT} WHERE n.id = ?1"), [id.0], note_from)
        .optional()?;
    if let Some(note) = existing {
        // A resend: answer the stored note again.
        if note.author.id != user || note.conversation_id != conversation {
            return Err(StoreError::Conflict);
        }
        let frame = ServerFrame::Note { note: note.clone() };
        tx.after_commit(move |hub| hub.publish(&[user], Outbound::Frame(encode(&frame)), None));
        return Ok(note);
    }
    let mentions = mentioned(tx.conn, &audience.team, body)?;
    tx.conn.execute(
        "INSERT INTO notes (id, conversation_id, author_id, body, mentions, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.0,
            conversation.0,
            user.0,
            body,
            serde_json::to_string(&mentions).unwrap_or_else(|_| "[]".into()),
            now_ms()
        ],
    )?;
    let note = tx
        .conn
        .query_row(&format!("{NOTE_SELECT} WHERE n.id = ?1"), [id.0], note_from)?;
    let team = audience.team.clone();
    let frame = ServerFrame::Note { note: note.clone() };
    tx.after_commit(move |hub| hub.publish(&team, Outbound::Frame(encode(&frame)), None));
    Ok(note)
}

/// Teammates named as `@handle` in a note.
fn mentioned(conn: &Connection, team: &[UserId], body: &str) -> Result<Vec<UserId>, StoreError> {
    let mut out = Vec::new();
    for word in body.split_whitespace() {
        let Some(handle) = word.strip_prefix('@') else {
            continue;
        };
        let handle: String = handle
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '-')
            .collect::<String>()
            .trim_end_matches(['.', '-'])
            .to_lowercase();
        let id: Option<Uuid> = conn
            .prepare_cached("SELECT id FROM users WHERE handle = ?1")?
            .query_row([&handle], |r| r.get(0))
            .optional()?;
        if let Some(id) = id.map(UserId)
            && team.contains(&id)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// The notes on a conversation, oldest first.
pub fn notes(conn: &Connection, conversation: ConversationId) -> Result<Vec<Note>, StoreError> {
    let rows = conn
        .prepare_cached(&format!(
            "{NOTE_SELECT} WHERE n.conversation_id = ?1 ORDER BY n.created_at"
        ))?
        .query_map([conversation.0], note_from)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// What the team knows about the customer of a conversation.
pub fn customer_panel(conn: &Connection, item: &InboxItem) -> Result<CustomerPanel, StoreError> {
    let mut events: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT kind, at FROM inbox_events WHERE conversation_id = ?1 ORDER BY at, id",
        )?
        .query_map([item.conversation_id.0], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    events.dedup_by(|b, a| a.0 == b.0);
    let mut episodes: Vec<Episode> = Vec::new();
    for (kind, at) in events {
        match kind.as_str() {
            "opened" => episodes.push(Episode {
                opened_at: Timestamp(at),
                resolved_at: None,
                messages: 0,
            }),
            _ => {
                if let Some(last) = episodes.last_mut() {
                    last.resolved_at = Some(Timestamp(at));
                }
            }
        }
    }
    for episode in &mut episodes {
        let end = episode.resolved_at.map(|t| t.0).unwrap_or(i64::MAX);
        let n: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ?1 AND sender_id = ?2
                 AND sent_at >= ?3 AND sent_at <= ?4",
            )?
            .query_row(
                params![
                    item.conversation_id.0,
                    item.customer.id.0,
                    episode.opened_at.0,
                    end
                ],
                |r| r.get(0),
            )?;
        episode.messages = n as u32;
    }
    episodes.reverse();
    Ok(CustomerPanel {
        customer: item.customer.clone(),
        first_contact: item.first_contact,
        labels: item.labels.clone(),
        episodes,
    })
}

/// Per-day statistics over the last `days` days, in the business's time zone.
pub fn stats(
    conn: &Connection,
    business: BusinessId,
    days: u32,
) -> Result<BusinessStats, StoreError> {
    let hours = business_hours(conn, business)?;
    let now = now_ms();
    let day_ms = 24 * 60 * 60 * 1000;
    let mut by_day: BTreeMap<String, DayStats> = BTreeMap::new();
    for back in (0..days as i64).rev() {
        let day = local_day(&hours, now - back * day_ms);
        by_day.entry(day.clone()).or_insert_with(|| DayStats {
            day,
            ..DayStats::default()
        });
    }
    let since = now - days as i64 * day_ms - day_ms;
    let mut stmt = conn.prepare_cached(
        "SELECT m.sent_at, m.sender_id = c.business_id, m.seq <= mem.delivered_seq,
                m.seq <= mem.read_seq
         FROM conversations c JOIN messages m ON m.conversation_id = c.id
         JOIN members mem ON mem.conversation_id = c.id AND mem.user_id != c.business_id
         WHERE c.business_id = ?1 AND m.sent_at >= ?2",
    )?;
    let rows = stmt.query_map(params![business.0, since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    for row in rows {
        let (at, from_business, delivered, read) = row?;
        let Some(day) = by_day.get_mut(&local_day(&hours, at)) else {
            continue;
        };
        if from_business {
            day.sent += 1;
            day.delivered += delivered as u32;
            day.read += read as u32;
        } else {
            day.received += 1;
        }
    }
    let events: Vec<(Uuid, String, i64)> = conn
        .prepare_cached(
            "SELECT conversation_id, kind, at FROM inbox_events
             WHERE business_id = ?1 AND at >= ?2",
        )?
        .query_map(params![business.0, since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut responses: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (conversation, kind, at) in events {
        let day_key = local_day(&hours, at);
        let Some(day) = by_day.get_mut(&day_key) else {
            continue;
        };
        if kind == "resolved" {
            day.resolved += 1;
            continue;
        }
        day.opened += 1;
        // First response: the first message an agent (not an automatic reply) sent after opening.
        let first: Option<i64> = conn
            .prepare_cached(
                "SELECT MIN(sent_at) FROM messages WHERE conversation_id = ?1
                     AND agent_id IS NOT NULL AND sent_at >= ?2",
            )?
            .query_row(params![conversation, at], |r| r.get(0))?;
        if let Some(first) = first {
            responses
                .entry(day_key)
                .or_default()
                .push((first - at).max(0) as u64);
        }
    }
    for (day, mut times) in responses {
        times.sort_unstable();
        if let Some(stats) = by_day.get_mut(&day) {
            stats.median_first_response_ms = Some(median(&times));
        }
    }
    Ok(BusinessStats {
        days: by_day.into_values().collect(),
    })
}

/// Median of sorted, non-empty values (the lower middle for an even count).
fn median(sorted: &[u64]) -> u64 {
    sorted[(sorted.len() - 1) / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[5]), 5);
        assert_eq!(median(&[1, 2, 9]), 2);
        assert_eq!(median(&[1, 2, 8, 9]), 2);
    }

    #[test]
    fn previews_are_cut_by_characters() {
        assert_eq!(preview(&"é".repeat(200)).chars().count(), PREVIEW_CHARS);
    }
}
