//! Chats and messages: starting a chat, sending, receipts, history and typing.
//!
//! The session's writes do not wait for their commit: each is a unit of work whose finish
//! answers the sending connection (an ack or an error) and publishes to everyone else, in commit
//! order.
//!
//! Over 500 lines on purpose: a message's whole path through the rules (access, resend check,
//! attachment, agent signature, automatic replies) and the fan-out of each outcome read best
//! together.

use super::safety::{self, Between};
use super::{Origin, ServiceError, ServiceResult, inbox, media};
use crate::db::{Audience, Data, Finish, Tx, Viewer, Work, now_ms};
use crate::hub::{Hub, Outbound, encode};
use kontor_protocol::business::{Activity, InboxItem};
use kontor_protocol::{
    AgentSignature, AttachmentId, Conversation, ConversationId, Handle, Message, MessageId, Pos,
    ReceiptKind, RequestId, Seq, ServerFrame, Timestamp, User, UserId,
};
use std::sync::Arc;

/// Where a session command's answer goes.
#[derive(Clone, Copy)]
struct Answer {
    origin: Origin,
    message_id: Option<MessageId>,
    request_id: Option<RequestId>,
}

/// What a session command produced, published after the commit.
enum Effect {
    /// New or existing chat for the requester; new chats also go to the peer.
    Chat {
        pos: Pos,
        created: bool,
        conversation: Box<Conversation>,
        audience: Arc<Audience>,
    },
    /// A message was stored now (`fresh`) or earlier (a resend, acknowledged again).
    Stored(Box<Stored>),
    /// Receipt marks moved (`None`: they were already there).
    Receipt(Option<Box<Moved>>),
}

/// Receipt marks that moved: the frame, who gets it, and the inbox state it changed.
type Moved = (ServerFrame, Arc<Audience>, Option<InboxItem>);

/// A stored message and what it set off.
struct Stored {
    /// As the team sees it (with the writing agent).
    message: Message,
    /// As the conversation's members see it.
    for_members: Message,
    audience: Arc<Audience>,
    fresh: bool,
    /// The member it is withheld from (they blocked the sender).
    hidden_from: Option<UserId>,
    /// Greeting and away messages the business sent in reply.
    auto_replies: Vec<Message>,
    /// The customer conversation's new inbox state.
    item: Option<InboxItem>,
}

/// Tells the session its command was lost when the writer drops the work unrun (the
/// transaction could not even start): the client retries instead of waiting for an ack.
struct Unanswered {
    hub: Arc<Hub>,
    answer: Answer,
    armed: bool,
}

impl Unanswered {
    /// The work runs: its finish answers from now on.
    fn disarm(mut self) -> Arc<Hub> {
        self.armed = false;
        self.hub.clone()
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.armed {
            let lost = Err(ServiceError::Storage(crate::db::DbError::WriterGone));
            publish(self.hub.clone(), self.answer, lost)(false);
        }
    }
}

/// A unit of work that answers the session instead of a waiting caller.
fn session_work(
    hub: Arc<Hub>,
    answer: Answer,
    apply: impl FnOnce(&mut Tx<'_>) -> ServiceResult<Effect> + Send + 'static,
) -> Work {
    let guard = Unanswered {
        hub,
        answer,
        armed: true,
    };
    Box::new(move |tx: &mut Tx<'_>| {
        let hub = guard.disarm();
        let result = apply(tx);
        (result.is_ok(), publish(hub, answer, result))
    })
}

/// Finds or creates the direct chat with `handle`; answers `chat_started`.
pub fn start_chat(hub: Arc<Hub>, origin: Origin, request_id: RequestId, handle: Handle) -> Work {
    let answer = Answer {
        origin,
        message_id: None,
        request_id: Some(request_id),
    };
    session_work(hub, answer, move |tx| start(tx, origin, &handle))
}

/// Stores a message; answers `ack` (also for a resend of the same message).
pub fn send(
    hub: Arc<Hub>,
    origin: Origin,
    id: MessageId,
    conversation_id: ConversationId,
    body: String,
    attachment: Option<AttachmentId>,
) -> Work {
    let answer = Answer {
        origin,
        message_id: Some(id),
        request_id: None,
    };
    session_work(hub, answer, move |tx| {
        store_message(tx, origin, id, conversation_id, body, attachment)
    })
}

/// Moves the sender's delivered/read marks.
pub fn receipt(
    hub: Arc<Hub>,
    origin: Origin,
    conversation_id: ConversationId,
    kind: ReceiptKind,
    seq: Seq,
) -> Work {
    let answer = Answer {
        origin,
        message_id: None,
        request_id: None,
    };
    session_work(hub, answer, move |tx| {
        move_marks(tx, origin, conversation_id, kind, seq)
    })
}

fn publish(hub: Arc<Hub>, answer: Answer, result: ServiceResult<Effect>) -> Finish {
    Box::new(move |committed: bool| {
        let origin = answer.origin;
        let to_origin = |frame: &ServerFrame| {
            hub.send_to(origin.user, origin.conn, Outbound::Frame(encode(frame)));
        };
        let event = |pos: Pos, frame: &ServerFrame| Outbound::Event {
            pos,
            text: encode(frame),
        };
        let result = match result {
            Ok(_) if !committed => Err(ServiceError::Storage(crate::db::DbError::WriterGone)),
            other => other,
        };
        match result {
            Ok(Effect::Chat {
                pos,
                created,
                conversation,
                audience,
            }) => {
                if created {
                    let frame = ServerFrame::Conversation {
                        pos,
                        conversation: (*conversation).clone(),
                    };
                    hub.publish(
                        &audience.member_people(),
                        event(pos, &frame),
                        Some(origin.conn),
                    );
                }
                to_origin(&ServerFrame::ChatStarted {
                    request_id: answer.request_id.unwrap_or_default(),
                    // An existing chat moves no cursor: its events were delivered already.
                    pos: if created { pos } else { Pos(0) },
                    conversation: *conversation,
                });
            }
            Ok(Effect::Stored(stored)) => {
                let Stored {
                    message,
                    for_members,
                    audience,
                    fresh,
                    hidden_from,
                    auto_replies,
                    item,
                } = *stored;
                to_origin(&ServerFrame::Ack {
                    id: message.id,
                    conversation_id: message.conversation_id,
                    seq: message.seq,
                    pos: message.pos,
                    sent_at: message.sent_at,
                });
                if fresh {
                    let mut people = audience.member_people();
                    people.retain(|p| Some(*p) != hidden_from);
                    if let Some(out) = Outbound::messages(&[for_members]) {
                        hub.publish(&people, out, Some(origin.conn));
                    }
                    if !audience.team.is_empty()
                        && let Some(out) = Outbound::messages(&[message])
                    {
                        hub.publish(&audience.team, out, Some(origin.conn));
                    }
                    if let Some(out) = Outbound::messages(&auto_replies) {
                        let mut everyone = people;
                        everyone.extend_from_slice(&audience.team);
                        hub.publish(&everyone, out, None);
                    }
                    if let Some(item) = item {
                        let frame = ServerFrame::InboxItem { item };
                        hub.publish(&audience.team, Outbound::Frame(encode(&frame)), None);
                    }
                }
            }
            Ok(Effect::Receipt(Some(moved))) => {
                let (frame, audience, item) = *moved;
                let pos = frame.pos().unwrap_or_default();
                let mut everyone = audience.member_people();
                everyone.extend_from_slice(&audience.team);
                hub.publish(&everyone, event(pos, &frame), None);
                if let Some(item) = item {
                    let frame = ServerFrame::InboxItem { item };
                    hub.publish(&audience.team, Outbound::Frame(encode(&frame)), None);
                }
            }
            Ok(Effect::Receipt(None)) => {}
            Err(e) => to_origin(&e.frame(answer.message_id, answer.request_id)),
        }
    })
}

fn start(tx: &mut Tx<'_>, origin: Origin, handle: &Handle) -> ServiceResult<Effect> {
    let peer = tx
        .user_by_handle(handle)?
        .ok_or(ServiceError::UnknownHandle)?;
    if peer.id == origin.user {
        return Err(ServiceError::Invalid(
            "you cannot start a chat with yourself",
        ));
    }
    let business = peer.business.is_some().then_some(peer.id);
    if let Some(b) = business
        && tx
            .team_ids(kontor_protocol::BusinessId(b.0))?
            .contains(&origin.user)
    {
        return Err(ServiceError::Invalid(
            "You are on this business's team: answer its customers from the business inbox.",
        ));
    }
    let (a, b) = if origin.user < peer.id {
        (origin.user, peer.id)
    } else {
        (peer.id, origin.user)
    };
    let key = format!("{a}:{b}");
    let (id, created, pos) = match tx.direct_conversation(&key)? {
        Some(id) => (id, false, Pos(0)),
        None => {
            let id = ConversationId::new();
            let pos = tx.take_pos();
            tx.insert_direct_conversation(
                id,
                &key,
                business.map(|b| kontor_protocol::BusinessId(b.0)),
                [a, b],
                pos,
                now_ms(),
            )?;
            (id, true, pos)
        }
    };
    let conversation = tx.conversation(id)?.ok_or(ServiceError::NotFound)?;
    let audience = tx.audience(id)?;
    Ok(Effect::Chat {
        pos,
        created,
        conversation: Box::new(conversation),
        audience,
    })
}

/// The first word of a display name: what customers may see of an agent.
fn first_name(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .next()
        .unwrap_or(display_name)
        .to_owned()
}

fn store_message(
    tx: &mut Tx<'_>,
    origin: Origin,
    id: MessageId,
    conversation_id: ConversationId,
    body: String,
    attachment: Option<AttachmentId>,
) -> ServiceResult<Effect> {
    let audience = tx.audience(conversation_id)?;
    let party = audience
        .party_of(origin.user)
        .ok_or(ServiceError::NotFound)?;
    let agent = audience.is_team(origin.user);
    if let Some(existing) = tx.message_by_id(id)? {
        // A resend after a lost ack: the same ack again, nothing stored or delivered twice.
        let same = existing.sender == party
            && existing.conversation_id == conversation_id
            && existing.body == body
            && existing.attachment.as_ref().map(|a| a.id) == attachment
            && existing.agent.as_ref().and_then(|a| a.id) == agent.then_some(origin.user);
        if !same {
            return Err(ServiceError::Conflict);
        }
        return Ok(Effect::Stored(Box::new(Stored {
            for_members: existing.clone(),
            message: existing,
            audience,
            fresh: false,
            hidden_from: None,
            auto_replies: Vec::new(),
            item: None,
        })));
    }
    let hidden_from = match safety::between(&audience, party) {
        Between::Open => None,
        Between::WithheldFrom(other) => Some(other),
        Between::SenderBlocked(_) => return Err(ServiceError::Forbidden(safety::YOU_BLOCKED)),
    };
    let attachment = attachment
        .map(|a| media::sendable(&**tx, &audience, origin.user, conversation_id, a))
        .transpose()?;
    let (signature, shown) = if agent {
        let (name, shown) = tx.agent_name_shown(origin.user, party)?;
        (
            Some(AgentSignature {
                id: Some(origin.user),
                name: first_name(&name),
            }),
            shown,
        )
    } else {
        (None, false)
    };
    let message = append(
        tx,
        id,
        conversation_id,
        party,
        body,
        attachment,
        signature,
        shown,
        hidden_from,
    )?;
    let mut for_members = message.clone();
    for_members.agent = match (&message.agent, shown) {
        (Some(a), true) => Some(AgentSignature {
            id: None,
            name: a.name.clone(),
        }),
        _ => None,
    };
    let (auto_replies, item) = match audience.business {
        Some(business) if party == origin.user => {
            let autos = inbox::on_customer_message(&**tx, business, &message)?;
            let mut stored = Vec::with_capacity(autos.len());
            for text in autos {
                stored.push(append(
                    tx,
                    MessageId::new(),
                    conversation_id,
                    business.into(),
                    text,
                    None,
                    None,
                    false,
                    None,
                )?);
            }
            (stored, tx.inbox_item(conversation_id)?)
        }
        Some(_) => {
            inbox::on_business_message(&**tx, &message)?;
            (Vec::new(), tx.inbox_item(conversation_id)?)
        }
        None => (Vec::new(), None),
    };
    Ok(Effect::Stored(Box::new(Stored {
        message,
        for_members,
        audience,
        fresh: true,
        hidden_from,
        auto_replies,
        item,
    })))
}

/// Appends a message to a conversation at the next seq and event position (withheld from
/// `hidden_from`, who blocked its sender).
#[allow(clippy::too_many_arguments)]
fn append(
    tx: &mut Tx<'_>,
    id: MessageId,
    conversation_id: ConversationId,
    sender: UserId,
    body: String,
    attachment: Option<kontor_protocol::media::Attachment>,
    agent: Option<AgentSignature>,
    agent_shown: bool,
    hidden_from: Option<UserId>,
) -> ServiceResult<Message> {
    let seq = tx.next_seq(conversation_id)?;
    let message = Message {
        id,
        conversation_id,
        seq,
        pos: tx.take_pos(),
        sender,
        body,
        sent_at: Timestamp(now_ms()),
        agent,
        attachment,
    };
    tx.insert_message(&message, agent_shown, hidden_from)?;
    Ok(message)
}

fn move_marks(
    tx: &mut Tx<'_>,
    origin: Origin,
    conversation_id: ConversationId,
    kind: ReceiptKind,
    seq: Seq,
) -> ServiceResult<Effect> {
    let audience = tx.audience(conversation_id)?;
    let party = audience
        .party_of(origin.user)
        .ok_or(ServiceError::NotFound)?;
    let marks = tx
        .marks(party, conversation_id)?
        .ok_or(ServiceError::NotFound)?;
    // Marks only move forward and never past the newest message.
    let seq = seq.min(marks.last);
    let read = if kind == ReceiptKind::Read {
        marks.read.max(seq)
    } else {
        marks.read
    };
    let delivered = marks.delivered.max(seq).max(read);
    if (delivered, read) == (marks.delivered, marks.read) {
        return Ok(Effect::Receipt(None));
    }
    let pos = tx.take_pos();
    tx.set_marks(party, conversation_id, delivered, read, pos)?;
    let frame = ServerFrame::Receipt {
        pos,
        conversation_id,
        user_id: party,
        delivered,
        read,
    };
    let item = match audience.business {
        Some(_) if read != marks.read => tx.inbox_item(conversation_id)?,
        _ => None,
    };
    Ok(Effect::Receipt(Some(Box::new((frame, audience, item)))))
}

/// Older messages for a member or the business's team; the same "not found" for everyone else.
pub fn history(
    data: &dyn Data,
    user: UserId,
    conversation_id: ConversationId,
    before: Seq,
    limit: u32,
) -> ServiceResult<Vec<Message>> {
    let audience = data.conversation_audience(conversation_id)?;
    let viewer = if audience.members.contains(&user) {
        Viewer::Member
    } else if audience.is_team(user) {
        Viewer::Team
    } else {
        return Err(ServiceError::NotFound);
    };
    let limit = limit.clamp(1, kontor_protocol::limits::HISTORY_PAGE);
    Ok(data.history(conversation_id, before, limit, viewer, user)?)
}

/// Who hears that someone types in a conversation: its audience, less the member who blocked
/// the typist or whom the typist blocked (read each time, so a removed agent stops at once).
pub struct TypingAudience {
    audience: Audience,
    silent_to: Option<UserId>,
}

/// Reads [`TypingAudience`] for `me` typing in a conversation.
pub fn typing_audience(
    data: &dyn Data,
    me: UserId,
    conversation_id: ConversationId,
) -> ServiceResult<TypingAudience> {
    let audience = data.conversation_audience(conversation_id)?;
    let silent_to = match audience
        .party_of(me)
        .map(|party| safety::between(&audience, party))
    {
        Some(Between::WithheldFrom(other) | Between::SenderBlocked(other)) => Some(other),
        _ => None,
    };
    Ok(TypingAudience {
        audience,
        silent_to,
    })
}

/// Relays that `me` is typing: the customer sees the party (the business) typing, teammates
/// see who. `NotFound` when `me` has no access.
pub fn typing(
    hub: &Hub,
    heard_by: &TypingAudience,
    me: &User,
    conversation_id: ConversationId,
) -> ServiceResult<()> {
    let audience = &heard_by.audience;
    let party = audience.party_of(me.id).ok_or(ServiceError::NotFound)?;
    let frame = ServerFrame::Typing {
        conversation_id,
        user_id: party,
    };
    let mut others: Vec<UserId> = audience
        .member_people()
        .into_iter()
        .filter(|u| *u != me.id && Some(*u) != heard_by.silent_to)
        .collect();
    if audience.is_team(me.id) {
        let team_frame = ServerFrame::Activity {
            conversation_id,
            user: me.clone(),
            activity: Activity::Typing,
        };
        let team: Vec<UserId> = audience
            .team
            .iter()
            .copied()
            .filter(|u| *u != me.id)
            .collect();
        hub.publish(&team, Outbound::Frame(encode(&team_frame)), None);
    } else {
        others.extend(audience.team.iter().copied());
    }
    hub.publish(&others, Outbound::Frame(encode(&frame)), None);
    Ok(())
}

/// What a reconnecting client missed, part one: its conversations created or changed after
/// `since` (their snapshots carry the client's own cursor).
pub fn changed_conversations(
    data: &dyn Data,
    user: UserId,
    since: Pos,
) -> ServiceResult<Vec<Conversation>> {
    Ok(data.changed_conversations(user, since)?)
}

/// What a reconnecting client missed, part two: one page of its messages after `after` up to
/// `high` (the commit high-water mark when it connected), oldest first.
pub fn missed_messages(
    data: &dyn Data,
    user: UserId,
    after: Pos,
    high: Pos,
    page: usize,
) -> ServiceResult<Vec<Message>> {
    Ok(data.messages_since(user, after, high, page)?)
}

/// Who may act in a conversation, read now (so a removed agent is refused at once).
pub fn audience(data: &dyn Data, conversation_id: ConversationId) -> ServiceResult<Audience> {
    Ok(data.conversation_audience(conversation_id)?)
}
