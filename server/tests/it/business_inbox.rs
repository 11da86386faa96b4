//! Businesses over the WebSocket: customers writing to a team, replies signed by the business,
//! private notes, the shared inbox, automatic replies and statistics.

use crate::harness::{Client, Team, TestServer, quiet_settings, today_utc};
use kontor_protocol::api::SessionResponse;
use kontor_protocol::business::{
    BusinessProfile, BusinessStats, InboxFilter, InboxItem, InboxStatus, InboxView, Label,
    NewLabel, OpeningHours,
};
use kontor_protocol::{
    ClientFrame, Conversation, ConversationId, ConversationKind, Message, MessageId, NoteId, Pos,
    RequestId, Seq, ServerFrame, UserId,
};
use reqwest::Method;
use std::collections::HashSet;
use std::time::Duration;

/// A team, a customer, everybody connected, and the customer's conversation with the business.
struct Desk {
    team: Team,
    customer: SessionResponse,
    owner_ws: Client,
    agent_ws: Client,
    cust: Client,
    chat: Conversation,
}

async fn desk(server: &TestServer) -> Desk {
    let team = server.team().await;
    let customer = server.register("carl", "Carl Customer").await;
    let (owner_ws, _) = server.connect(&team.owner.token, Pos(0)).await;
    let (agent_ws, _) = server.connect(&team.agent.token, Pos(0)).await;
    let (mut cust, _) = server.connect(&customer.token, Pos(0)).await;
    let chat = cust.start_chat("shop").await;
    Desk {
        team,
        customer,
        owner_ws,
        agent_ws,
        cust,
        chat,
    }
}

fn filter(view: InboxView) -> InboxFilter {
    InboxFilter {
        view,
        ..Default::default()
    }
}

/// Waits until a team member has both the message and an inbox item that includes it.
async fn message_and_item(
    ws: &mut Client,
    conversation: ConversationId,
    id: MessageId,
    seq: u64,
) -> (Message, InboxItem) {
    let (mut message, mut item) = (None, None);
    while message.is_none() || item.is_none() {
        match ws.recv().await {
            ServerFrame::Messages { messages } => {
                if let Some(m) = messages.into_iter().find(|m| m.id == id) {
                    message = Some(m);
                }
            }
            ServerFrame::InboxItem { item: i }
                if i.conversation_id == conversation && i.last_seq >= Seq(seq) =>
            {
                item = Some(i);
            }
            _ => {}
        }
    }
    (message.unwrap(), item.unwrap())
}

/// Waits for the message with this id on a customer's socket; returns it with the raw frame.
async fn raw_message(ws: &mut Client, id: MessageId) -> (String, Message) {
    let id_text = id.to_string();
    let (raw, _, _) = ws
        .recv_raw_until(|kind, v| {
            kind == "messages"
                && v["messages"].as_array().is_some_and(|ms| {
                    ms.iter()
                        .any(|m| m["id"].as_str() == Some(id_text.as_str()))
                })
        })
        .await;
    let ServerFrame::Messages { messages } = serde_json::from_str(&raw).expect("messages frame")
    else {
        unreachable!()
    };
    let m = messages.into_iter().find(|m| m.id == id).unwrap();
    (raw, m)
}

/// Sends a message and returns every frame that arrives until the socket is quiet for `quiet`
/// after the ack (the ack included).
async fn send_and_listen(
    ws: &mut Client,
    conversation_id: ConversationId,
    body: &str,
    quiet: Duration,
) -> Vec<ServerFrame> {
    let id = MessageId::new();
    ws.send(&ClientFrame::Send {
        id,
        conversation_id,
        body: body.into(),
        attachment: None,
    })
    .await;
    let mut frames = Vec::new();
    let mut acked = false;
    loop {
        match ws
            .try_recv(if acked { quiet } else { crate::harness::WAIT })
            .await
        {
            Ok(frame) => {
                if matches!(&frame, ServerFrame::Ack { id: a, .. } if *a == id) {
                    acked = true;
                }
                if let ServerFrame::Error { .. } = &frame {
                    panic!("send {body:?} failed: {frame:?}");
                }
                frames.push(frame);
            }
            Err(e) if e == "timeout" && acked => return frames,
            Err(e) => panic!("waiting after sending {body:?}: {e}"),
        }
    }
}

/// Messages from `sender` among frames.
fn messages_from(frames: &[ServerFrame], sender: UserId) -> Vec<Message> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Messages { messages } => Some(messages.clone()),
            _ => None,
        })
        .flatten()
        .filter(|m| m.sender == sender)
        .collect()
}

#[tokio::test]
async fn customer_messages_reach_every_agent_and_replies_come_from_the_business() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        customer,
        mut owner_ws,
        mut agent_ws,
        mut cust,
        chat,
    } = desk(&server).await;
    let party = team.party();

    assert_eq!(chat.kind, ConversationKind::Business);
    let ids: Vec<UserId> = chat.members.iter().map(|m| m.user.id).collect();
    assert!(
        ids.contains(&party) && ids.contains(&customer.user.id),
        "{chat:?}"
    );
    let business_member = chat.members.iter().find(|m| m.user.id == party).unwrap();
    assert_eq!(business_member.user.handle.as_str(), "shop");
    assert_eq!(business_member.user.display_name, "Corner Shop");
    assert!(
        business_member.user.business.is_some(),
        "the party is marked as a business"
    );
    // The customer is not told who is on the team.
    let chat_text = serde_json::to_string(&chat).unwrap();
    for secret in [
        team.agent.user.id.to_string(),
        team.owner.user.id.to_string(),
    ] {
        assert!(
            !chat_text.contains(&secret),
            "team member exposed: {chat_text}"
        );
    }
    // Starting it again finds the same conversation.
    assert_eq!(cust.start_chat("@Shop").await.id, chat.id);

    let (question, seq) = cust.send_message(chat.id, "Do you sell bread?").await;
    for (who, ws) in [("owner", &mut owner_ws), ("agent", &mut agent_ws)] {
        let (m, item) = message_and_item(ws, chat.id, question, seq).await;
        assert_eq!(m.sender, customer.user.id, "{who}");
        assert_eq!(m.body, "Do you sell bread?", "{who}");
        assert_eq!(item.customer.id, customer.user.id, "{who}");
        assert_eq!(item.business, team.business.id, "{who}");
        assert_eq!(item.status, InboxStatus::Open, "{who}");
        assert_eq!(item.assignee, None, "{who}");
        assert!(item.preview.contains("bread"), "{who}: {item:?}");
        assert!(item.unread >= 1, "{who}: {item:?}");
    }

    // The agent answers as the business.
    let (reply, reply_seq) = agent_ws
        .send_message(chat.id, "Yes, fresh every morning.")
        .await;
    assert_eq!(reply_seq, seq + 1);
    let (raw, m) = raw_message(&mut cust, reply).await;
    assert_eq!(m.body, "Yes, fresh every morning.");
    assert_eq!(m.sender, party, "sent by the business");
    assert_ne!(m.sender, team.agent.user.id);
    assert!(
        m.agent
            .as_ref()
            .is_none_or(|a| a.id.is_none() && !a.name.contains("Aaron")),
        "agent names are hidden by default: {:?}",
        m.agent
    );
    for secret in [
        team.agent.user.id.to_string(),
        "Aaron".into(),
        "Smith".into(),
    ] {
        assert!(
            !raw.contains(&secret),
            "customer's frame reveals {secret}: {raw}"
        );
    }
    // Teammates see who wrote it.
    let seen = owner_ws.message_with_id(reply).await;
    assert_eq!(seen.sender, party);
    assert_eq!(
        seen.agent.as_ref().and_then(|a| a.id),
        Some(team.agent.user.id),
        "the team knows the writing agent"
    );

    // The customer can answer back and the conversation goes on.
    let (_, seq3) = cust.send_message(chat.id, "Great, thanks").await;
    assert_eq!(seq3, reply_seq + 1);
}

#[tokio::test]
async fn customers_see_an_agents_first_name_only_when_the_business_shows_names() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        mut owner_ws,
        mut agent_ws,
        mut cust,
        chat,
        ..
    } = desk(&server).await;
    let party = team.party();
    let (q, seq) = cust.send_message(chat.id, "Hello?").await;
    message_and_item(&mut agent_ws, chat.id, q, seq).await;

    let mut settings = quiet_settings();
    settings.show_agent_names = true;
    server
        .put_settings(&team.owner.token, "shop", &settings)
        .await;

    let (reply, _) = agent_ws.send_message(chat.id, "Happy to help.").await;
    let (raw, m) = raw_message(&mut cust, reply).await;
    assert_eq!(m.sender, party);
    let agent = m.agent.expect("names shown: the reply is signed");
    assert_eq!(agent.name, "Aaron", "first name only");
    assert_eq!(
        agent.id, None,
        "the agent's account is never told to customers"
    );
    for secret in [team.agent.user.id.to_string(), "Smith".into()] {
        assert!(
            !raw.contains(&secret),
            "customer's frame reveals {secret}: {raw}"
        );
    }

    let (reply, _) = owner_ws.send_message(chat.id, "Me too.").await;
    let (_, m) = raw_message(&mut cust, reply).await;
    assert_eq!(
        m.agent.map(|a| (a.id, a.name)),
        Some((None, "Olivia".into()))
    );

    // Hidden again.
    server
        .put_settings(&team.owner.token, "shop", &quiet_settings())
        .await;
    let (reply, _) = agent_ws.send_message(chat.id, "Anything else?").await;
    let (raw, m) = raw_message(&mut cust, reply).await;
    assert!(
        m.agent
            .as_ref()
            .is_none_or(|a| a.id.is_none() && !a.name.contains("Aaron")),
        "{:?}",
        m.agent
    );
    assert!(!raw.contains("Aaron"), "{raw}");
}

#[tokio::test]
async fn private_notes_never_reach_the_customer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        customer,
        mut owner_ws,
        mut agent_ws,
        mut cust,
        chat,
    } = desk(&server).await;
    let (q, seq) = cust.send_message(chat.id, "My order never came").await;
    message_and_item(&mut agent_ws, chat.id, q, seq).await;

    let secret = "NOTE-SECRET-7f3a";
    let body = format!("@olivia {secret}: refund already issued once");
    let note_id = NoteId::new();
    agent_ws
        .send(&ClientFrame::AddNote {
            id: note_id,
            conversation_id: chat.id,
            body: body.clone(),
        })
        .await;
    for (who, ws) in [("agent", &mut agent_ws), ("owner", &mut owner_ws)] {
        let frame = ws
            .recv_until(|f| matches!(f, ServerFrame::Note { note } if note.id == note_id))
            .await;
        let ServerFrame::Note { note } = frame else {
            unreachable!()
        };
        assert_eq!(note.body, body, "{who}");
        assert_eq!(note.conversation_id, chat.id, "{who}");
        assert_eq!(note.author.id, team.agent.user.id, "{who}");
        assert_eq!(note.mentions, vec![team.owner.user.id], "{who}");
    }

    // A normal message after the note: everything the customer receives up to it and for a
    // while after must be free of the note.
    let marker = "MARKER-after-note";
    agent_ws.send_message(chat.id, marker).await;
    loop {
        let raw = cust.recv_raw().await;
        assert!(!raw.contains(secret), "customer received the note: {raw}");
        if raw.contains(marker) {
            break;
        }
    }
    for raw in cust.drain_raw(Duration::from_millis(700)).await {
        assert!(!raw.contains(secret), "customer received the note: {raw}");
    }

    // The customer cannot ask for notes…
    let request_id = RequestId::new();
    cust.send(&ClientFrame::Notes {
        request_id,
        conversation_id: chat.id,
    })
    .await;
    assert_eq!(cust.request_error(request_id).await, "not_found");
    // …while the team can.
    let request_id = RequestId::new();
    owner_ws
        .send(&ClientFrame::Notes {
            request_id,
            conversation_id: chat.id,
        })
        .await;
    let notes = owner_ws
        .recv_until(|f| matches!(f, ServerFrame::Notes { request_id: r, .. } if *r == request_id))
        .await;
    let ServerFrame::Notes { notes, .. } = notes else {
        unreachable!()
    };
    assert_eq!(
        notes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![note_id]
    );

    // History holds the messages and not the note.
    let request_id = RequestId::new();
    cust.send(&ClientFrame::History {
        request_id,
        conversation_id: chat.id,
        before: Seq(1_000_000),
        limit: 200,
    })
    .await;
    let id_text = request_id.to_string();
    let (raw, kind, _) = cust
        .recv_raw_until(|_, v| v["request_id"].as_str() == Some(id_text.as_str()))
        .await;
    assert_eq!(kind, "history", "{raw}");
    assert!(
        raw.contains(marker) && raw.contains("My order never came"),
        "{raw}"
    );
    assert!(!raw.contains(secret), "history leaks the note: {raw}");

    // A new device of the customer catches up on everything but the note.
    drop(cust);
    let (mut again, frames) = server.connect_raw(&customer.token, Pos(0)).await;
    assert!(
        frames.iter().any(|f| f.contains(marker)),
        "catch-up holds the conversation: {frames:?}"
    );
    for raw in &frames {
        assert!(!raw.contains(secret), "catch-up leaks the note: {raw}");
    }
    for raw in again.drain_raw(Duration::from_millis(500)).await {
        assert!(!raw.contains(secret), "customer received the note: {raw}");
    }
}

#[tokio::test]
async fn inbox_views_follow_assignment_status_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        customer,
        mut owner_ws,
        mut agent_ws,
        mut cust,
        chat,
    } = desk(&server).await;
    let business = team.business.id;
    let (q, seq) = cust.send_message(chat.id, "I need help").await;
    message_and_item(&mut owner_ws, chat.id, q, seq).await;
    message_and_item(&mut agent_ws, chat.id, q, seq).await;

    let all = owner_ws.inbox(business, filter(InboxView::All), None).await;
    assert_eq!(all.items.len(), 1, "{all:?}");
    let item = &all.items[0];
    assert_eq!(item.conversation_id, chat.id);
    assert_eq!(item.customer.id, customer.user.id);
    assert_eq!(
        (item.status, item.assignee.clone()),
        (InboxStatus::Open, None)
    );
    assert_eq!(item.preview, "I need help");
    assert_eq!(
        (all.counts.unassigned, all.counts.mine, all.counts.all),
        (1, 0, 1)
    );
    assert_eq!(all.next, None);
    let unassigned = owner_ws
        .inbox(business, filter(InboxView::Unassigned), None)
        .await;
    assert_eq!(unassigned.items.len(), 1);
    let mine = owner_ws
        .inbox(business, filter(InboxView::Mine), None)
        .await;
    assert!(mine.items.is_empty(), "{mine:?}");

    // The agent takes it.
    agent_ws
        .send(&ClientFrame::Assign {
            request_id: RequestId::new(),
            conversation_id: chat.id,
            assignee: Some(team.agent.user.id),
        })
        .await;
    for ws in [&mut agent_ws, &mut owner_ws] {
        let item = ws.inbox_item_where(chat.id, |i| i.assignee.is_some()).await;
        assert_eq!(item.assignee.map(|u| u.id), Some(team.agent.user.id));
    }
    let agent_mine = agent_ws
        .inbox(business, filter(InboxView::Mine), None)
        .await;
    assert_eq!(
        agent_mine
            .items
            .iter()
            .map(|i| i.conversation_id)
            .collect::<Vec<_>>(),
        vec![chat.id]
    );
    let c = agent_mine.counts;
    assert_eq!((c.unassigned, c.mine, c.all), (0, 1, 1), "agent's counts");
    let c = owner_ws
        .inbox(business, filter(InboxView::All), None)
        .await
        .counts;
    assert_eq!((c.unassigned, c.mine, c.all), (0, 0, 1), "owner's counts");
    assert!(
        owner_ws
            .inbox(business, filter(InboxView::Unassigned), None)
            .await
            .items
            .is_empty()
    );

    // Resolved.
    agent_ws
        .send(&ClientFrame::SetStatus {
            request_id: RequestId::new(),
            conversation_id: chat.id,
            status: InboxStatus::Resolved,
            snooze: None,
        })
        .await;
    for ws in [&mut agent_ws, &mut owner_ws] {
        ws.inbox_item_where(chat.id, |i| i.status == InboxStatus::Resolved)
            .await;
    }
    let resolved = owner_ws
        .inbox(
            business,
            InboxFilter {
                view: InboxView::All,
                status: Some(InboxStatus::Resolved),
                label: None,
            },
            None,
        )
        .await;
    assert_eq!(
        resolved
            .items
            .iter()
            .map(|i| i.conversation_id)
            .collect::<Vec<_>>(),
        vec![chat.id]
    );
    assert_eq!(resolved.items[0].status, InboxStatus::Resolved);
    let open = owner_ws
        .inbox(
            business,
            InboxFilter {
                view: InboxView::All,
                status: Some(InboxStatus::Open),
                label: None,
            },
            None,
        )
        .await;
    assert!(open.items.is_empty(), "{open:?}");
    assert_eq!(open.counts.all, 0);

    // Labels.
    let mut labels = Vec::new();
    for (name, color) in [("VIP", "#ff8800"), ("Later", "#0000ff")] {
        let label: Label = server
            .api_json(
                Method::POST,
                "/api/businesses/shop/labels",
                Some(&team.owner.token),
                &NewLabel {
                    name: name.into(),
                    color: color.into(),
                },
            )
            .await
            .ok("create label");
        labels.push(label);
    }
    let (vip, later) = (labels[0].id, labels[1].id);
    agent_ws
        .send(&ClientFrame::SetLabels {
            request_id: RequestId::new(),
            conversation_id: chat.id,
            labels: vec![vip],
        })
        .await;
    for ws in [&mut agent_ws, &mut owner_ws] {
        let item = ws.inbox_item_where(chat.id, |i| !i.labels.is_empty()).await;
        assert_eq!(item.labels, vec![vip]);
    }
    let by_label = |label| InboxFilter {
        view: InboxView::All,
        status: None,
        label: Some(label),
    };
    let tagged = owner_ws.inbox(business, by_label(vip), None).await;
    assert_eq!(
        tagged
            .items
            .iter()
            .map(|i| i.conversation_id)
            .collect::<Vec<_>>(),
        vec![chat.id]
    );
    let other = owner_ws.inbox(business, by_label(later), None).await;
    assert!(other.items.is_empty(), "{other:?}");

    // Unassigning puts it back in the shared pile.
    owner_ws
        .send(&ClientFrame::Assign {
            request_id: RequestId::new(),
            conversation_id: chat.id,
            assignee: None,
        })
        .await;
    agent_ws
        .inbox_item_where(chat.id, |i| i.assignee.is_none())
        .await;
    let c = agent_ws
        .inbox(business, filter(InboxView::All), None)
        .await
        .counts;
    assert_eq!((c.unassigned, c.mine, c.all), (1, 0, 1));

    // Outsiders (the customer included) learn nothing.
    let olga = server.register("olga", "Olga Outsider").await;
    let (mut outsider, _) = server.connect(&olga.token, Pos(0)).await;
    for (who, ws) in [("outsider", &mut outsider), ("customer", &mut cust)] {
        let request_id = RequestId::new();
        ws.send(&ClientFrame::Inbox {
            request_id,
            business,
            filter: filter(InboxView::All),
            before: None,
        })
        .await;
        let code = ws.request_error(request_id).await;
        assert!(
            matches!(code.as_str(), "not_found" | "forbidden"),
            "{who} inbox: {code}"
        );
        let request_id = RequestId::new();
        ws.send(&ClientFrame::Assign {
            request_id,
            conversation_id: chat.id,
            assignee: Some(olga.user.id),
        })
        .await;
        let code = ws.request_error(request_id).await;
        assert!(
            matches!(code.as_str(), "not_found" | "forbidden"),
            "{who} assign: {code}"
        );
    }
    let request_id = RequestId::new();
    outsider
        .send(&ClientFrame::Assign {
            request_id,
            conversation_id: chat.id,
            assignee: None,
        })
        .await;
    assert_eq!(outsider.request_error(request_id).await, "not_found");
    let c = owner_ws.inbox(business, filter(InboxView::All), None).await;
    assert_eq!(
        c.items[0].assignee, None,
        "refused assignments changed nothing"
    );
}

#[tokio::test]
async fn inbox_pages_newest_first_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    let page = kontor_protocol::business::INBOX_PAGE as usize;
    let total = page + 5;
    let mut written = Vec::new();
    for i in 0..total {
        let c = server
            .register(&format!("cust{i:02}"), &format!("Customer {i}"))
            .await;
        let (mut ws, _) = server.connect(&c.token, Pos(0)).await;
        let chat = ws.start_chat("shop").await;
        ws.send_message(chat.id, &format!("question {i}")).await;
        written.push(chat.id);
        // Distinct activity times, so "newest first" has one right answer.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let (mut owner_ws, _) = server.connect(&team.owner.token, Pos(0)).await;
    let first = owner_ws
        .inbox(team.business.id, filter(InboxView::All), None)
        .await;
    assert_eq!(first.items.len(), page);
    let c = first.counts;
    assert_eq!(
        (c.unassigned, c.mine, c.all),
        (total as u32, 0, total as u32)
    );
    let cursor = first.next.expect("a second page");
    let last = first.items.last().unwrap();
    assert_eq!(
        (cursor.last_activity, cursor.conversation_id),
        (last.last_activity, last.conversation_id)
    );
    let second = owner_ws
        .inbox(team.business.id, filter(InboxView::All), Some(cursor))
        .await;
    assert_eq!(second.items.len(), total - page);
    assert_eq!(second.next, None);

    let items: Vec<&InboxItem> = first.items.iter().chain(&second.items).collect();
    let ids: Vec<ConversationId> = items.iter().map(|i| i.conversation_id).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        total,
        "no duplicates"
    );
    for pair in items.windows(2) {
        assert!(
            pair[0].last_activity >= pair[1].last_activity,
            "newest first: {:?} before {:?}",
            pair[0].last_activity,
            pair[1].last_activity
        );
    }
    let newest_first: Vec<ConversationId> = written.iter().rev().copied().collect();
    assert_eq!(ids, newest_first);
}

#[tokio::test]
async fn the_greeting_answers_a_customers_first_message_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        mut cust,
        chat,
        ..
    } = desk(&server).await;
    let mut settings = quiet_settings();
    settings.greeting.enabled = true;
    settings.greeting.text = "Welcome!".into();
    server
        .put_settings(&team.owner.token, "shop", &settings)
        .await;

    let frames = send_and_listen(&mut cust, chat.id, "Hi there", Duration::from_millis(1500)).await;
    let greetings = messages_from(&frames, team.party());
    assert_eq!(
        greetings
            .iter()
            .map(|m| m.body.as_str())
            .collect::<Vec<_>>(),
        vec!["Welcome!"],
        "one greeting: {frames:?}"
    );
    assert!(
        greetings[0].agent.as_ref().is_none_or(|a| a.id.is_none()),
        "{:?}",
        greetings[0].agent
    );

    let frames = send_and_listen(
        &mut cust,
        chat.id,
        "Are you there?",
        Duration::from_millis(1500),
    )
    .await;
    let more = messages_from(&frames, team.party());
    assert!(more.is_empty(), "no second greeting: {more:?}");
}

#[tokio::test]
async fn the_away_message_is_sent_once_a_day_outside_opening_hours() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        mut cust,
        chat,
        ..
    } = desk(&server).await;
    let mut fields = team.business.profile.clone();
    fields.hours = OpeningHours {
        time_zone: "UTC".into(),
        intervals: Vec::new(),
        always_open: false,
    };
    let profile: BusinessProfile = server
        .api_json(
            Method::PUT,
            "/api/businesses/shop",
            Some(&team.owner.token),
            &fields,
        )
        .await
        .ok("close all week");
    assert!(!profile.open_now, "closed all week: {profile:?}");
    let mut settings = quiet_settings();
    settings.away.enabled = true;
    settings.away.text = "We are closed".into();
    server
        .put_settings(&team.owner.token, "shop", &settings)
        .await;

    let frames = send_and_listen(&mut cust, chat.id, "Hello?", Duration::from_millis(1500)).await;
    let away = messages_from(&frames, team.party());
    assert_eq!(
        away.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        vec!["We are closed"],
        "one away message: {frames:?}"
    );

    let frames = send_and_listen(&mut cust, chat.id, "Hello??", Duration::from_millis(1500)).await;
    let more = messages_from(&frames, team.party());
    assert!(more.is_empty(), "away at most once a day: {more:?}");
}

#[tokio::test]
async fn statistics_count_todays_messages_and_first_response_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Desk {
        team,
        mut agent_ws,
        mut cust,
        chat,
        ..
    } = desk(&server).await;
    let (q, seq) = cust.send_message(chat.id, "When do you open?").await;
    message_and_item(&mut agent_ws, chat.id, q, seq).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (reply, _) = agent_ws.send_message(chat.id, "At nine.").await;
    raw_message(&mut cust, reply).await;

    let stats: BusinessStats = server
        .api_get("/api/businesses/shop/stats?days=7", Some(&team.owner.token))
        .await
        .ok("stats");
    assert_eq!(stats.days.len(), 7, "{stats:?}");
    for pair in stats.days.windows(2) {
        assert!(pair[0].day < pair[1].day, "oldest first: {stats:?}");
    }
    let today = stats.days.last().unwrap();
    assert_eq!(today.day, today_utc());
    assert!(today.received >= 1, "{today:?}");
    assert!(today.sent >= 1, "{today:?}");
    let median = today
        .median_first_response_ms
        .expect("a first response was given today");
    assert!(median < 60_000, "{median} ms");
    for day in &stats.days[..6] {
        assert_eq!(
            (day.sent, day.received),
            (0, 0),
            "nothing on other days: {day:?}"
        );
    }

    let default: BusinessStats = server
        .api_get("/api/businesses/shop/stats", Some(&team.agent.token))
        .await
        .ok("default stats");
    assert_eq!(default.days.len(), 14);
}
