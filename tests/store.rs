//! The IndexedDB store and outbox, in real IndexedDB in headless Chromium.

use kontor_protocol::{
    AgentSignature, Conversation, ConversationId, ConversationKind, Member, Message, MessageId,
    Pos, Seq, Timestamp, User, UserId,
};
use kontor_web::store::{Db, OutboxRecord, ReceiptMark, Received};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::user;

fn conversation(me: &User, peer: &User) -> Conversation {
    let member = |u: &User| Member {
        user: u.clone(),
        delivered: Seq(0),
        read: Seq(0),
    };
    Conversation {
        id: ConversationId::new(),
        kind: ConversationKind::Direct,
        members: vec![member(me), member(peer)],
        last_seq: Seq(0),
        created_at: Timestamp(1_700_000_000_000),
    }
}

fn message(c: &Conversation, from: &User, seq: u64, pos: u64) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: c.id,
        seq: Seq(seq),
        pos: Pos(pos),
        sender: from.id,
        body: format!("message {seq}"),
        sent_at: Timestamp(1_700_000_000_000 + seq as i64),
        agent: None,
        attachment: None,
    }
}

async fn fresh(me: &User) -> Db {
    Db::open(me.id).await.expect("open IndexedDB")
}

async fn cleanup(db: Db) {
    let me = db.me();
    db.close();
    Db::delete(me).await.unwrap();
}

#[wasm_bindgen_test]
async fn outbox_survives_reopening_and_ack_moves_it_to_messages() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let first = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: "first".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    let second = OutboxRecord {
        id: MessageId::new(),
        body: "second".into(),
        ..first.clone()
    };
    db.queue_message(&first).await.unwrap();
    db.queue_message(&second).await.unwrap();
    let preview = db
        .conversation(c.id)
        .await
        .unwrap()
        .unwrap()
        .preview
        .unwrap();
    assert_eq!((preview.text.as_str(), preview.from_me), ("second", true));

    // A reload: the database is closed and opened again; the outbox is still there, in order.
    db.close();
    let db = fresh(&me).await;
    let ids: Vec<MessageId> = db.outbox().await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![first.id, second.id]);

    db.apply_ack(first.id, Seq(1), Pos(5), Timestamp(10))
        .await
        .unwrap();
    // The same ack again (a resend's answer) changes nothing.
    db.apply_ack(first.id, Seq(1), Pos(5), Timestamp(10))
        .await
        .unwrap();
    let outbox = db.outbox_for(c.id).await.unwrap();
    assert_eq!(
        outbox.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    let stored = db.latest_messages(c.id, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].id, stored[0].seq, stored[0].body.as_str()),
        (first.id, Seq(1), "first")
    );
    assert_eq!(db.cursor().await.unwrap(), Pos(5));
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.last_seq, rec.unread), (Seq(1), 0));
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn own_message_arriving_by_sync_clears_the_outbox() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let pending = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: "lost ack".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    db.queue_message(&pending).await.unwrap();
    let mut synced = message(&c, &me, 1, 7);
    synced.id = pending.id;
    synced.body = pending.body.clone();
    let fresh_from_others = db.apply_messages(&[synced]).await.unwrap();
    assert!(fresh_from_others.is_empty());
    assert!(db.outbox().await.unwrap().is_empty());
    assert_eq!(db.latest_messages(c.id, 10).await.unwrap().len(), 1);
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn messages_stored_as_received_read_back_as_sent() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let mut sent: Vec<Message> = (1..=4).map(|s| message(&c, &peer, s, 10 + s)).collect();
    sent[1].agent = Some(AgentSignature {
        id: None,
        name: "Ana from Nordbank".into(),
    });
    // Two frames as the server writes them, coalesced into one batch.
    let frame = |m: &[Message]| {
        let text = serde_json::to_string(m).unwrap();
        Received::from_array(kontor_web::json::parse(&text).unwrap().into()).unwrap()
    };
    let mut received = frame(&sent[..2]);
    received.append(frame(&sent[2..]));
    assert_eq!(received.messages(), &sent[..]);
    let fresh = db.apply_received(&received).await.unwrap();
    assert_eq!(fresh.get(&c.id), Some(&Seq(4)));
    assert_eq!(db.latest_messages(c.id, 10).await.unwrap(), sent);
    assert_eq!(db.conversation(c.id).await.unwrap().unwrap().unread, 4);
    assert_eq!(db.cursor().await.unwrap(), Pos(14));
    // A message that is not one is refused, not stored half-read.
    let wrong = kontor_web::json::parse(r#"[{"id":"not an id"}]"#).unwrap();
    assert!(Received::from_array(wrong.into()).is_err());
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn applying_messages_is_idempotent_and_counts_unread_once() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let batch: Vec<Message> = (1..=3).map(|s| message(&c, &peer, s, 10 + s)).collect();
    let fresh_from_others = db.apply_messages(&batch).await.unwrap();
    assert_eq!(fresh_from_others.get(&c.id), Some(&Seq(3)));
    // The same page again (a resumed catch-up) changes nothing.
    assert!(db.apply_messages(&batch).await.unwrap().is_empty());
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.last_seq, rec.unread), (Seq(3), 3));
    assert_eq!(rec.preview.unwrap().text, "message 3");
    assert_eq!(db.cursor().await.unwrap(), Pos(13));
    assert_eq!(db.message_count(c.id).await.unwrap(), 3);

    // Owed receipts: delivered 3 (the server has 0 for me).
    let owed = db.unreported_receipts().await.unwrap();
    assert_eq!(owed, vec![(c.id, Seq(3), Seq(0))]);
    assert_eq!(db.mark_read(c.id).await.unwrap(), Some(Seq(3)));
    assert_eq!(db.mark_read(c.id).await.unwrap(), None);
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.read_seq, rec.unread), (Seq(3), 0));
    assert_eq!(
        db.unreported_receipts().await.unwrap(),
        vec![(c.id, Seq(3), Seq(3))]
    );
    // The server confirms: nothing owed any more.
    db.apply_receipts(&[mark(c.id, me.id, 3, 3, 20)])
        .await
        .unwrap();
    assert!(db.unreported_receipts().await.unwrap().is_empty());
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn reading_on_another_device_recounts_unread() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let batch: Vec<Message> = (1..=5).map(|s| message(&c, &peer, s, s + 1)).collect();
    db.apply_messages(&batch).await.unwrap();
    db.apply_receipts(&[mark(c.id, me.id, 5, 3, 9)])
        .await
        .unwrap();
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.read_seq, rec.unread), (Seq(3), 2));
    // A catch-up's receipts in one batch: the peer's (kept for the ticks), mine moving on, and
    // one for a conversation this device does not have (skipped).
    let unknown = conversation(&me, &user("stranger"));
    db.apply_receipts(&[
        mark(c.id, peer.id, 2, 1, 10),
        mark(c.id, me.id, 5, 4, 11),
        mark(unknown.id, me.id, 1, 1, 12),
        mark(c.id, peer.id, 5, 5, 13),
    ])
    .await
    .unwrap();
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.read_seq, rec.unread), (Seq(4), 1));
    let theirs = rec.members.iter().find(|m| m.user.id == peer.id).unwrap();
    assert_eq!((theirs.delivered, theirs.read), (Seq(5), Seq(5)));
    assert_eq!(db.cursor().await.unwrap(), Pos(13));
    assert!(db.conversation(unknown.id).await.unwrap().is_none());
    cleanup(db).await;
}

fn mark(
    conversation_id: ConversationId,
    user: UserId,
    delivered: u64,
    read: u64,
    pos: u64,
) -> ReceiptMark {
    ReceiptMark {
        conversation_id,
        user,
        delivered: Seq(delivered),
        read: Seq(read),
        pos: Pos(pos),
    }
}

#[wasm_bindgen_test]
async fn latest_messages_are_a_window_in_order() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    let other = conversation(&me, &user("other"));
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    db.apply_conversation(&other, Pos(2)).await.unwrap();
    let batch: Vec<Message> = (1..=120)
        .map(|s| message(&c, if s % 2 == 0 { &me } else { &peer }, s, 100 + s))
        .collect();
    db.apply_messages(&batch).await.unwrap();
    db.apply_messages(&[message(&other, &peer, 1, 500)])
        .await
        .unwrap();
    let window = db.latest_messages(c.id, 50).await.unwrap();
    let seqs: Vec<u64> = window.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (71..=120).collect::<Vec<_>>());
    assert_eq!(db.message_count(c.id).await.unwrap(), 120);
    assert_eq!(db.message_count(other.id).await.unwrap(), 1);
    // Most recent activity first.
    let order: Vec<ConversationId> = db
        .conversations()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(order, vec![c.id, other.id]);
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn windows_of_a_long_conversation_with_and_without_gaps() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    // Stored here: 1..=40 and 61..=200 (41..=60 were never fetched).
    let batch: Vec<Message> = (1..=40)
        .chain(61..=200)
        .map(|s| message(&c, &peer, s, 10 + s))
        .collect();
    db.apply_messages(&batch).await.unwrap();
    let seqs = |w: Vec<Message>| w.iter().map(|m| m.seq.0).collect::<Vec<_>>();
    let newest = Some(Seq(200));
    // The newest window, with the record's last seq as a hint, without it, and with a stale one.
    for hint in [newest, None, Some(Seq(190)), Some(Seq(250))] {
        let w = db.messages_up_to(c.id, None, 50, hint).await.unwrap();
        assert_eq!(seqs(w), (151..=200).collect::<Vec<_>>(), "hint {hint:?}");
    }
    // A window further back, and one across the gap.
    let w = db.messages_up_to(c.id, Some(Seq(120)), 50, newest).await;
    assert_eq!(seqs(w.unwrap()), (71..=120).collect::<Vec<_>>());
    let w = db.messages_up_to(c.id, Some(Seq(80)), 50, newest).await;
    let expected: Vec<u64> = (11..=40).chain(61..=80).collect();
    assert_eq!(seqs(w.unwrap()), expected);
    // The start of the conversation: fewer than asked.
    let w = db.messages_up_to(c.id, Some(Seq(30)), 50, newest).await;
    assert_eq!(seqs(w.unwrap()), (1..=30).collect::<Vec<_>>());
    assert!(db.has_newer(c.id, Seq(199)).await.unwrap());
    assert!(!db.has_newer(c.id, Seq(200)).await.unwrap());

    // What the log reads in one transaction: window, neighbours on both sides, unsent messages.
    let unsent = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: "not sent yet".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    db.queue_message(&unsent).await.unwrap();
    let latest = db.conversation_window(c.id, None, 50).await.unwrap();
    assert_eq!(latest.conversation.map(|r| r.id), Some(c.id));
    assert_eq!(seqs(latest.messages), (151..=200).collect::<Vec<_>>());
    assert!(latest.older_here && !latest.newer_here);
    assert_eq!(latest.outbox, vec![unsent.clone()]);
    let across = db
        .conversation_window(c.id, Some(Seq(80)), 50)
        .await
        .unwrap();
    assert_eq!(seqs(across.messages), expected);
    assert!(across.older_here && across.newer_here);
    let start = db
        .conversation_window(c.id, Some(Seq(30)), 50)
        .await
        .unwrap();
    assert_eq!(seqs(start.messages), (1..=30).collect::<Vec<_>>());
    assert!(!start.older_here && start.newer_here);
    let exact = db
        .conversation_window(c.id, Some(Seq(50)), 50)
        .await
        .unwrap();
    assert_eq!(seqs(exact.messages), (1..=40).collect::<Vec<_>>());
    assert!(!exact.older_here);
    let unknown = db
        .conversation_window(ConversationId::new(), None, 50)
        .await
        .unwrap();
    assert!(unknown.conversation.is_none() && unknown.messages.is_empty());
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn failed_messages_can_be_retried_or_discarded() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let rec = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: "x".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    db.queue_message(&rec).await.unwrap();
    db.set_failed(rec.id, Some("too large".into()))
        .await
        .unwrap();
    assert_eq!(
        db.outbox().await.unwrap()[0].failed.as_deref(),
        Some("too large")
    );
    db.set_failed(rec.id, None).await.unwrap();
    assert_eq!(db.outbox().await.unwrap()[0].failed, None);
    db.discard(rec.id).await.unwrap();
    assert!(db.outbox().await.unwrap().is_empty());
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn eviction_keeps_the_newest_messages_and_the_outbox_and_history_refills() {
    let (me, peer) = (user("myself"), user("peer"));
    let db = fresh(&me).await;
    let long = conversation(&me, &peer);
    let short = conversation(&me, &user("other"));
    db.apply_conversation(&long, Pos(1)).await.unwrap();
    db.apply_conversation(&short, Pos(2)).await.unwrap();
    let all: Vec<Message> = (1..=300)
        .map(|s| message(&long, &peer, s, 10 + s))
        .collect();
    db.apply_messages(&all).await.unwrap();
    db.apply_messages(
        &(1..=10)
            .map(|s| message(&short, &peer, s, 400 + s))
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let unsent = OutboxRecord {
        id: MessageId::new(),
        conversation_id: long.id,
        body: "never evicted".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    db.queue_message(&unsent).await.unwrap();

    assert_eq!(db.evict_old_messages(200).await.unwrap(), 100);
    assert_eq!(db.message_count(long.id).await.unwrap(), 200);
    assert_eq!(db.first_seq(long.id).await.unwrap(), Some(101));
    assert_eq!(db.message_count(short.id).await.unwrap(), 10);
    assert_eq!(db.outbox().await.unwrap().len(), 1);
    // Counters and cursor stay: eviction only frees space.
    let rec = db.conversation(long.id).await.unwrap().unwrap();
    assert_eq!(rec.last_seq, Seq(300));
    let cursor = db.cursor().await.unwrap();

    // Scrolling up fetches them back from the server.
    db.store_history(long.id, &all[..100]).await.unwrap();
    assert_eq!(db.message_count(long.id).await.unwrap(), 300);
    assert_eq!(db.first_seq(long.id).await.unwrap(), Some(1));
    assert_eq!(db.cursor().await.unwrap(), cursor);
    assert_eq!(db.conversation(long.id).await.unwrap().unwrap(), rec);
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn an_empty_history_answer_marks_where_the_server_has_nothing_more() {
    let me = user("alice");
    let bob = user("bob");
    let db = fresh(&me).await;
    let c = conversation(&me, &bob);
    db.apply_conversation(&c, Pos(0)).await.unwrap();
    // Bob's first two messages were withheld from Alice (she had blocked him): her first is 3.
    db.store_history(c.id, &[message(&c, &bob, 3, 0), message(&c, &bob, 4, 0)])
        .await
        .unwrap();
    assert_eq!(
        db.conversation(c.id).await.unwrap().unwrap().history_floor,
        Seq(0)
    );
    db.store_history(c.id, &[]).await.unwrap();
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.history_floor, rec.last_seq), (Seq(3), Seq(4)));
    cleanup(db).await;
}

#[wasm_bindgen_test]
async fn an_agent_answers_as_the_business_and_the_chat_stays_out_of_the_chat_list() {
    let agent = user("agent");
    let customer = user("carl");
    let mut business = user("nordbank");
    business.business = Some(kontor_protocol::business::BusinessBadge {
        verified: true,
        logo: None,
    });
    let db = fresh(&agent).await;
    // The agent is not a member: the conversation is between the customer and the business.
    let mut c = conversation(&customer, &business);
    c.kind = ConversationKind::Business;
    db.apply_conversation(&c, Pos(0)).await.unwrap();
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!(rec.acting_as, Some(business.id));
    assert!(!rec.is_personal());
    assert_eq!(rec.title, "CARL");
    // Cursor untouched by an inbox conversation.
    assert_eq!(db.cursor().await.unwrap(), Pos(0));

    // The customer's messages are unread for the team; the agent's reply is the business's.
    db.store_history(
        c.id,
        &[message(&c, &customer, 1, 0), message(&c, &customer, 2, 0)],
    )
    .await
    .unwrap();
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!((rec.last_seq, rec.unread), (Seq(2), 2));
    let queued = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: "We are on it".into(),
        queued_at: 1.0,
        failed: None,
        upload: None,
    };
    db.queue_message(&queued).await.unwrap();
    db.apply_ack(queued.id, Seq(3), Pos(7), Timestamp(1_700_000_000_100))
        .await
        .unwrap();
    let stored = db.latest_messages(c.id, 10).await.unwrap();
    let reply = stored.last().unwrap();
    assert_eq!(reply.sender, business.id);
    assert_eq!(reply.agent.as_ref().and_then(|a| a.id), Some(agent.id));
    let rec = db.conversation(c.id).await.unwrap().unwrap();
    assert!(rec.preview.unwrap().from_me);
    assert!(
        !rec.verified,
        "the badge belongs to the other party, here the customer"
    );
    db.close();
    Db::delete(agent.id).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_file_waits_in_the_outbox_until_uploaded_and_its_bytes_survive() {
    use kontor_protocol::AttachmentId;
    use kontor_protocol::media::{Attachment, AttachmentKind};
    use kontor_web::store::PendingUpload;

    let (me, peer) = (user("sender"), user("receiver"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let bytes = js_sys::Uint8Array::from(&b"%PDF-1.4 test"[..]);
    let parts = js_sys::Array::of1(&bytes);
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap();
    let rec = OutboxRecord {
        id: MessageId::new(),
        conversation_id: c.id,
        body: String::new(),
        queued_at: 1.0,
        failed: None,
        upload: Some(PendingUpload {
            kind: AttachmentKind::Document,
            name: "ticket.pdf".into(),
            mime: "application/pdf".into(),
            size: 13,
            duration_ms: None,
            upload_id: None,
            received: 0,
            attachment: None,
        }),
    };
    db.queue_upload(&rec, &blob).await.unwrap();
    // Not ready to send: the file is not uploaded yet. The chat list says what it is.
    let queued = db.outbox().await.unwrap();
    assert!(!queued[0].ready());
    let listed = db.conversation(c.id).await.unwrap().unwrap();
    assert_eq!(listed.preview.unwrap().text, "File: ticket.pdf");
    // The bytes are there for resuming after a reload.
    let stored = db.upload_blob(rec.id).await.unwrap().expect("file kept");
    assert_eq!(stored.size(), 13.0);

    let attachment = Attachment {
        id: AttachmentId::new(),
        kind: AttachmentKind::Document,
        name: "ticket.pdf".into(),
        mime: "application/pdf".into(),
        size: 13,
        width: None,
        height: None,
        duration_ms: None,
    };
    let updated = db
        .update_upload(rec.id, |u| u.attachment = Some(attachment.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(updated.ready());
    // The ack moves it into the messages with its attachment, and the file leaves this device.
    db.apply_ack(rec.id, Seq(1), Pos(2), Timestamp(1_700_000_000_001))
        .await
        .unwrap();
    let messages = db.latest_messages(c.id, 10).await.unwrap();
    assert_eq!(messages[0].attachment.as_ref(), Some(&attachment));
    assert!(db.upload_blob(rec.id).await.unwrap().is_none());
    assert!(db.outbox().await.unwrap().is_empty());
    db.close();
    Db::delete(me.id).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_inbox_cache_pages_and_filters_like_the_server() {
    use kontor_protocol::business::{InboxFilter, InboxItem, InboxStatus, InboxView};
    use kontor_protocol::{BusinessId, LabelId};

    let agent = user("agent");
    let db = fresh(&agent).await;
    let business = BusinessId::new();
    let other_business = BusinessId::new();
    let vip = LabelId::new();
    let item =
        |n: i64, business: BusinessId, assignee: Option<&User>, status: InboxStatus| InboxItem {
            conversation_id: ConversationId::new(),
            business,
            customer: user(&format!("customer{n}")),
            status,
            snooze: None,
            assignee: assignee.cloned(),
            labels: if n % 2 == 0 { vec![vip] } else { vec![] },
            last_activity: Timestamp(1_700_000_000_000 + n),
            last_seq: Seq(1),
            preview: format!("hello {n}"),
            unread: 1,
            first_contact: Timestamp(1_700_000_000_000),
        };
    let mut items: Vec<InboxItem> = (0..60)
        .map(|n| {
            let assignee = (n % 3 == 0).then_some(&agent);
            let status = if n % 5 == 0 {
                InboxStatus::Resolved
            } else {
                InboxStatus::Open
            };
            item(n, business, assignee, status)
        })
        .collect();
    items.push(item(1000, other_business, None, InboxStatus::Open));
    db.save_inbox_items(&items).await.unwrap();

    let open_unassigned = InboxFilter {
        view: InboxView::Unassigned,
        status: Some(InboxStatus::Open),
        label: None,
    };
    let (page, counts) = db
        .inbox_page_local(business, &open_unassigned, agent.id)
        .await
        .unwrap();
    let expected = |pred: &dyn Fn(i64) -> bool| (0..60).filter(|n| pred(*n)).count() as u32;
    assert_eq!(counts.unassigned, expected(&|n| n % 3 != 0 && n % 5 != 0));
    assert_eq!(counts.mine, expected(&|n| n % 3 == 0 && n % 5 != 0));
    assert_eq!(counts.all, expected(&|n| n % 5 != 0));
    // Newest first, only this business, only matching items.
    assert!(
        page.windows(2)
            .all(|w| w[0].last_activity >= w[1].last_activity)
    );
    assert!(
        page.iter()
            .all(|i| i.business == business && i.assignee.is_none())
    );
    assert_eq!(page.first().unwrap().preview, "hello 59");

    let vip_all = InboxFilter {
        view: InboxView::All,
        status: None,
        label: Some(vip),
    };
    let (page, _) = db
        .inbox_page_local(business, &vip_all, agent.id)
        .await
        .unwrap();
    assert_eq!(page.len(), 30);
    assert!(page.iter().all(|i| i.labels.contains(&vip)));

    // A live update replaces the stored state.
    let mut taken = items[59].clone();
    taken.assignee = Some(agent.clone());
    db.save_inbox_items(&[taken]).await.unwrap();
    let (page, _) = db
        .inbox_page_local(business, &open_unassigned, agent.id)
        .await
        .unwrap();
    assert!(page.iter().all(|i| i.preview != "hello 59"));
    db.close();
    Db::delete(agent.id).await.unwrap();
}

#[wasm_bindgen_test]
async fn older_messages_are_found_without_counting() {
    let (me, peer) = (user("older"), user("peer"));
    let db = fresh(&me).await;
    let c = conversation(&me, &peer);
    db.apply_conversation(&c, Pos(1)).await.unwrap();
    let batch: Vec<Message> = (5..=20)
        .map(|seq| message(&c, &peer, seq, seq + 1))
        .collect();
    db.apply_messages(&batch).await.unwrap();
    assert!(db.has_older(c.id, Seq(6)).await.unwrap());
    assert!(!db.has_older(c.id, Seq(5)).await.unwrap());
    assert!(!db.has_older(c.id, Seq(1)).await.unwrap());
    db.close();
    Db::delete(me.id).await.unwrap();
}
