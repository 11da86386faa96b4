//! The shared team inbox's rules: filing customer messages and the automatic replies they
//! trigger, assignment, status, labels, private notes, the customer panel and statistics. Every
//! team action checks membership at the time it is made, so a removed agent is refused at once.

use super::{ServiceError, ServiceResult};
use crate::business::hours::{is_open, local_day};
use crate::db::{Audience, Data, InboxEvent, Tx, now_ms};
use crate::hub::{Hub, Outbound, encode};
use kontor_protocol::business::{
    Activity, BusinessStats, CustomerPanel, DayStats, Episode, GREETING_AFTER_SILENCE_MS,
    INBOX_PAGE, InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, Note, Snooze,
};
use kontor_protocol::text::{check_body, preview};
use kontor_protocol::{
    BusinessId, ConversationId, LabelId, Message, NoteId, ServerFrame, Timestamp, User, UserId,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Files a customer's message in the inbox (creating, reopening or waking the conversation) and
/// answers which automatic replies the business sends: the greeting on a first message or after
/// [`GREETING_AFTER_SILENCE_MS`] of silence, the away message outside opening hours (once per
/// local day).
pub fn on_customer_message(
    data: &dyn Data,
    business: BusinessId,
    message: &Message,
) -> ServiceResult<Vec<String>> {
    let now = message.sent_at.0;
    let conversation = message.conversation_id;
    let (greet, away_day) = match data.inbox_row(conversation)? {
        None => {
            data.insert_inbox_row(
                conversation,
                business,
                message.sender,
                now,
                &preview(message),
            )?;
            data.log_inbox_event(business, conversation, InboxEvent::Opened, now)?;
            (true, None)
        }
        Some(row) => {
            // A customer's message wakes a snoozed conversation and reopens a resolved one.
            if row.status == InboxStatus::Resolved {
                data.log_inbox_event(business, conversation, InboxEvent::Opened, now)?;
            }
            data.renew_inbox_row(conversation, now, &preview(message))?;
            (
                now - row.last_customer_at >= GREETING_AFTER_SILENCE_MS,
                row.away_day,
            )
        }
    };
    let settings = data.settings(business)?;
    let mut replies = Vec::new();
    if greet && settings.greeting.enabled {
        replies.push(settings.greeting.text);
    }
    if settings.away.enabled {
        let hours = data.business_hours(business)?;
        let today = local_day(&hours, now);
        if !is_open(&hours, now) && away_day.as_deref() != Some(today.as_str()) {
            data.set_away_day(conversation, &today)?;
            replies.push(settings.away.text);
        }
    }
    Ok(replies)
}

/// Notes a business message in the inbox list.
pub fn on_business_message(data: &dyn Data, message: &Message) -> ServiceResult<()> {
    data.note_business_message(
        message.conversation_id,
        message.sent_at.0,
        &preview(message),
    )?;
    Ok(())
}

/// Outsiders are told "not found", never whether the business or conversation exists.
pub fn hide_from_outsiders(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Forbidden(_) => ServiceError::NotFound,
        other => other,
    }
}

/// The audience of a conversation, if `user` is on its business's team (else `NotFound`, so an
/// outsider learns nothing about the conversation).
fn team_audience(
    tx: &mut Tx<'_>,
    user: UserId,
    conversation: ConversationId,
) -> ServiceResult<Arc<Audience>> {
    let audience = tx.audience(conversation)?;
    if audience.business.is_none() || !audience.is_team(user) {
        return Err(ServiceError::NotFound);
    }
    Ok(audience)
}

/// Publishes a conversation's new inbox state to its team after the commit.
fn publish_item(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    audience: &Audience,
    conversation: ConversationId,
) -> ServiceResult<InboxItem> {
    let item = tx.inbox_item(conversation)?.ok_or(ServiceError::NotFound)?;
    let team = audience.team.clone();
    let frame = ServerFrame::InboxItem { item: item.clone() };
    let hub = hub.clone();
    tx.after_commit(move || hub.publish(&team, Outbound::Frame(encode(&frame)), None));
    Ok(item)
}

/// One page of an inbox view for a team member.
pub fn page(
    data: &dyn Data,
    business: BusinessId,
    user: UserId,
    filter: &InboxFilter,
    before: Option<InboxCursor>,
) -> ServiceResult<(Vec<InboxItem>, InboxCounts, Option<InboxCursor>)> {
    if data.role(business, user)?.is_none() {
        return Err(ServiceError::NotFound);
    }
    Ok(data.inbox_page(business, user, filter, before, INBOX_PAGE)?)
}

/// Gives a conversation to a teammate, or to nobody.
pub fn assign(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    user: UserId,
    conversation: ConversationId,
    assignee: Option<UserId>,
) -> ServiceResult<InboxItem> {
    let audience = team_audience(tx, user, conversation)?;
    if let Some(a) = assignee
        && !audience.team.contains(&a)
    {
        return Err(ServiceError::Invalid("That person is not on the team."));
    }
    if !tx.set_assignee(conversation, assignee)? {
        return Err(ServiceError::NotFound);
    }
    publish_item(tx, hub, &audience, conversation)
}

/// Changes a conversation's status.
pub fn set_status(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    user: UserId,
    conversation: ConversationId,
    status: InboxStatus,
    snooze: Option<Snooze>,
) -> ServiceResult<InboxItem> {
    let audience = team_audience(tx, user, conversation)?;
    let (until, next) = match (status, snooze) {
        (InboxStatus::Snoozed, Some(Snooze::Time { at })) if at.0 > now_ms() => (Some(at.0), false),
        (InboxStatus::Snoozed, Some(Snooze::Time { .. })) => {
            return Err(ServiceError::Invalid("Snooze until a time in the future."));
        }
        (InboxStatus::Snoozed, Some(Snooze::NextMessage)) => (None, true),
        (InboxStatus::Snoozed, None) => {
            return Err(ServiceError::Invalid(
                "Say until when to snooze: a time or the customer's next message.",
            ));
        }
        _ => (None, false),
    };
    let before = tx
        .inbox_row(conversation)?
        .ok_or(ServiceError::NotFound)?
        .status;
    tx.set_inbox_status(conversation, status, until, next)?;
    let business = audience.business.ok_or(ServiceError::NotFound)?;
    let now = now_ms();
    if status == InboxStatus::Resolved && before != InboxStatus::Resolved {
        tx.log_inbox_event(business, conversation, InboxEvent::Resolved, now)?;
    } else if before == InboxStatus::Resolved && status != InboxStatus::Resolved {
        tx.log_inbox_event(business, conversation, InboxEvent::Opened, now)?;
    }
    publish_item(tx, hub, &audience, conversation)
}

/// Reopens conversations whose snooze time has come.
pub fn wake_snoozed(tx: &mut Tx<'_>, hub: &Arc<Hub>) -> ServiceResult<usize> {
    let due = tx.due_snoozed(now_ms())?;
    for id in &due {
        tx.set_inbox_status(*id, InboxStatus::Open, None, false)?;
        let audience = tx.audience(*id)?;
        publish_item(tx, hub, &audience, *id)?;
    }
    Ok(due.len())
}

/// Replaces a conversation's labels (each must be the business's own).
pub fn set_labels(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    user: UserId,
    conversation: ConversationId,
    labels: &[LabelId],
) -> ServiceResult<InboxItem> {
    let audience = team_audience(tx, user, conversation)?;
    let business = audience.business.ok_or(ServiceError::NotFound)?;
    for label in labels {
        if !tx.label_belongs(*label, business)? {
            return Err(ServiceError::Invalid("That label does not exist."));
        }
    }
    tx.replace_labels(conversation, labels)?;
    publish_item(tx, hub, &audience, conversation)
}

/// Adds a private note. It goes to the team's connections only, never to the customer's.
pub fn add_note(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    user: UserId,
    conversation: ConversationId,
    id: NoteId,
    body: &str,
) -> ServiceResult<Note> {
    let audience = team_audience(tx, user, conversation)?;
    let body = body.trim();
    check_body(body, false)?;
    let hub = hub.clone();
    if let Some(note) = tx.note(id)? {
        // A resend: answer the stored note again.
        if note.author.id != user || note.conversation_id != conversation {
            return Err(ServiceError::Conflict);
        }
        let frame = ServerFrame::Note { note: note.clone() };
        tx.after_commit(move || hub.publish(&[user], Outbound::Frame(encode(&frame)), None));
        return Ok(note);
    }
    let mentions = mentioned(&**tx, &audience.team, body)?;
    tx.insert_note(id, conversation, user, body, &mentions, now_ms())?;
    let note = tx.note(id)?.ok_or(ServiceError::NotFound)?;
    let team = audience.team.clone();
    let frame = ServerFrame::Note { note: note.clone() };
    tx.after_commit(move || hub.publish(&team, Outbound::Frame(encode(&frame)), None));
    Ok(note)
}

/// Teammates named as `@handle` in a note.
fn mentioned(data: &dyn Data, team: &[UserId], body: &str) -> ServiceResult<Vec<UserId>> {
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
        if let Some(id) = data.user_id_by_handle(&handle)?
            && team.contains(&id)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// Checks that `user` is on the team of a customer conversation (else `NotFound`).
pub fn require_team(
    data: &dyn Data,
    user: UserId,
    conversation: ConversationId,
) -> ServiceResult<Audience> {
    let audience = data.conversation_audience(conversation)?;
    if !audience.is_team(user) {
        return Err(ServiceError::NotFound);
    }
    Ok(audience)
}

/// The notes on a conversation, for a team member.
pub fn notes(
    data: &dyn Data,
    user: UserId,
    conversation: ConversationId,
) -> ServiceResult<Vec<Note>> {
    require_team(data, user, conversation)?;
    Ok(data.notes(conversation)?)
}

/// What the team knows about a conversation's customer, for a team member.
pub fn customer(
    data: &dyn Data,
    user: UserId,
    conversation_id: ConversationId,
) -> ServiceResult<(kontor_protocol::Conversation, InboxItem, CustomerPanel)> {
    require_team(data, user, conversation_id)?;
    let item = data
        .inbox_item(conversation_id)?
        .ok_or(ServiceError::NotFound)?;
    let conversation = data
        .conversation(conversation_id)?
        .ok_or(ServiceError::NotFound)?;
    let panel = customer_panel(data, &item)?;
    Ok((conversation, item, panel))
}

/// The customer's past and present episodes (opened → resolved) with their message counts.
fn customer_panel(data: &dyn Data, item: &InboxItem) -> ServiceResult<CustomerPanel> {
    let mut events = data.inbox_events(item.conversation_id)?;
    events.dedup_by(|b, a| a.0 == b.0);
    let mut episodes: Vec<Episode> = Vec::new();
    for (event, at) in events {
        match event {
            InboxEvent::Opened => episodes.push(Episode {
                opened_at: Timestamp(at),
                resolved_at: None,
                messages: 0,
            }),
            InboxEvent::Resolved => {
                if let Some(last) = episodes.last_mut() {
                    last.resolved_at = Some(Timestamp(at));
                }
            }
        }
    }
    for episode in &mut episodes {
        let end = episode.resolved_at.map(|t| t.0).unwrap_or(i64::MAX);
        episode.messages = data.customer_messages_between(
            item.conversation_id,
            item.customer.id,
            episode.opened_at.0,
            end,
        )?;
    }
    episodes.reverse();
    Ok(CustomerPanel {
        customer: item.customer.clone(),
        first_contact: item.first_contact,
        labels: item.labels.clone(),
        episodes,
    })
}

/// Relays a teammate's activity (viewing, typing a note) to the rest of the team.
pub fn activity(
    hub: &Hub,
    audience: &Audience,
    me: &User,
    conversation_id: ConversationId,
    activity: Activity,
) -> ServiceResult<()> {
    if !audience.is_team(me.id) {
        return Err(ServiceError::NotFound);
    }
    let others: Vec<UserId> = audience
        .team
        .iter()
        .copied()
        .filter(|u| *u != me.id)
        .collect();
    let frame = ServerFrame::Activity {
        conversation_id,
        user: me.clone(),
        activity,
    };
    hub.publish(&others, Outbound::Frame(encode(&frame)), None);
    Ok(())
}

/// Per-day statistics over the last `days` days, in the business's time zone.
pub fn stats(data: &dyn Data, business: BusinessId, days: u32) -> ServiceResult<BusinessStats> {
    let hours = data.business_hours(business)?;
    let now = now_ms();
    let mut by_day: BTreeMap<String, DayStats> = BTreeMap::new();
    for back in (0..days as i64).rev() {
        let day = local_day(&hours, now - back * DAY_MS);
        by_day.entry(day.clone()).or_insert_with(|| DayStats {
            day,
            ..DayStats::default()
        });
    }
    let since = now - days as i64 * DAY_MS - DAY_MS;
    for fact in data.message_facts(business, since)? {
        let Some(day) = by_day.get_mut(&local_day(&hours, fact.at)) else {
            continue;
        };
        if fact.from_business {
            day.sent += 1;
            day.delivered += fact.delivered as u32;
            day.read += fact.read as u32;
        } else {
            day.received += 1;
        }
    }
    let mut responses: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (conversation, event, at) in data.business_events(business, since)? {
        let day_key = local_day(&hours, at);
        let Some(day) = by_day.get_mut(&day_key) else {
            continue;
        };
        if event == InboxEvent::Resolved {
            day.resolved += 1;
            continue;
        }
        day.opened += 1;
        // First response: the first message an agent (not an automatic reply) sent after opening.
        if let Some(first) = data.first_agent_reply(conversation, at)? {
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
}
