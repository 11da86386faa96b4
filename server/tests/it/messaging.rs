//! Live messaging: acks, fan-out, sequence numbers, dedupe, receipts, typing and resume.

use crate::harness::{Pair, TestServer, messages_in, outbox};
use kontor_protocol::{
    ClientFrame, ErrorCode, MessageId, Pos, ReceiptKind, RequestId, Seq, ServerFrame,
};
use std::time::Duration;

#[tokio::test]
async fn two_people_chat_live_with_receipts_and_typing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let bob = server.register("bob", "Bob").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let (mut b, _) = server.connect(&bob.token, Pos(0)).await;

    let chat = a.start_chat("@Bob").await;
    assert_eq!(chat.members.len(), 2);
    // Bob learns about the new conversation live.
    match b.recv().await {
        ServerFrame::Conversation { conversation, .. } => assert_eq!(conversation.id, chat.id),
        other => panic!("expected conversation, got {other:?}"),
    }
    // Starting it again finds the same conversation.
    assert_eq!(b.start_chat("alice").await.id, chat.id);

    let (id, seq) = a.send_message(chat.id, "Hello Bob!").await;
    assert_eq!(seq, 1);
    let got = b.recv_messages(1).await;
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].body, "Hello Bob!");
    assert_eq!(got[0].sender, alice.user.id);
    assert_eq!(got[0].seq, Seq(1));

    // Gap-free sequence numbers, in order, from both sides.
    for i in 2..=5 {
        let (_, seq) = a.send_message(chat.id, &format!("m{i}")).await;
        assert_eq!(seq, i);
    }
    let live: Vec<u64> = b.recv_messages(4).await.iter().map(|m| m.seq.0).collect();
    assert_eq!(live, vec![2, 3, 4, 5]);
    let (_, seq) = b.send_message(chat.id, "hi Alice").await;
    assert_eq!(seq, 6);
    assert_eq!(a.recv_messages(1).await[0].body, "hi Alice");

    // Delivered, then read, flow back to the sender live.
    b.send(&ClientFrame::Receipt {
        conversation_id: chat.id,
        kind: ReceiptKind::Delivered,
        seq: Seq(5),
    })
    .await;
    let r = a
        .recv_until(|f| matches!(f, ServerFrame::Receipt { .. }))
        .await;
    assert!(
        matches!(r, ServerFrame::Receipt { user_id, delivered: Seq(5), read: Seq(0), .. } if user_id == bob.user.id)
    );
    b.send(&ClientFrame::Receipt {
        conversation_id: chat.id,
        kind: ReceiptKind::Read,
        seq: Seq(99), // clamped to the newest message
    })
    .await;
    let r = a
        .recv_until(|f| matches!(f, ServerFrame::Receipt { .. }))
        .await;
    assert!(
        matches!(
            r,
            ServerFrame::Receipt {
                delivered: Seq(6),
                read: Seq(6),
                ..
            }
        ),
        "{r:?}"
    );

    // Typing reaches the other person, not the typist.
    b.send(&ClientFrame::Typing {
        conversation_id: chat.id,
    })
    .await;
    let t = a
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert!(matches!(t, ServerFrame::Typing { user_id, .. } if user_id == bob.user.id));
    // Bob sees his own receipts (for his other devices) but never his own typing.
    while let Ok(frame) = b.try_recv(Duration::from_millis(300)).await {
        assert!(matches!(frame, ServerFrame::Receipt { .. }), "{frame:?}");
    }
}

#[tokio::test]
async fn a_resent_message_is_stored_and_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Pair {
        alice: _,
        bob,
        mut a,
        chat,
    } = server.pair().await;
    let (mut b, _) = server.connect(&bob.token, Pos(0)).await;

    let id = MessageId::new();
    let send = ClientFrame::Send {
        id,
        conversation_id: chat.id,
        body: "once".into(),
        attachment: None,
    };
    a.send(&send).await;
    a.send(&send).await;
    let mut acks = Vec::new();
    while acks.len() < 2 {
        if let ServerFrame::Ack {
            id: got, seq, pos, ..
        } = a.recv().await
        {
            assert_eq!(got, id);
            acks.push((seq, pos));
        }
    }
    assert_eq!(acks[0], acks[1], "the resend gets the very same ack");
    assert_eq!(b.recv_messages(1).await[0].id, id);
    b.expect_silence(Duration::from_millis(300)).await;

    // The same id with other content is a conflict, not an overwrite.
    a.send(&ClientFrame::Send {
        id,
        conversation_id: chat.id,
        body: "different".into(),
        attachment: None,
    })
    .await;
    let e = a
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(e, ServerFrame::Error { code: ErrorCode::Conflict, message_id: Some(m), .. } if m == id)
    );

    // A new device sees it exactly once.
    let (_, frames) = server.connect(&bob.token, Pos(0)).await;
    let all = messages_in(&frames);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].body, "once");
}

#[tokio::test]
async fn reconnecting_client_receives_exactly_what_it_missed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Pair {
        alice,
        bob,
        mut a,
        chat,
    } = server.pair().await;
    for i in 0..3 {
        a.send_message(chat.id, &format!("before {i}")).await;
    }

    // Bob's first device syncs everything, then goes offline.
    let (b, frames) = server.connect(&bob.token, Pos(0)).await;
    assert_eq!(messages_in(&frames).len(), 3);
    assert!(frames.iter().any(|f| matches!(f, ServerFrame::Conversation { conversation, .. } if conversation.id == chat.id)));
    let cursor = b.cursor;
    drop(b);

    // While Bob is away: more than one catch-up page of messages.
    let total = kontor_protocol::limits::SYNC_PAGE + 120;
    let away = outbox(total, "while away");
    a.send_all(chat.id, &away).await;
    let sent: Vec<MessageId> = away.iter().map(|(id, _)| *id).collect();
    let mut acked = 0;
    while acked < total {
        if let ServerFrame::Ack { .. } = a.recv().await {
            acked += 1;
        }
    }

    let (b, frames) = server.connect(&bob.token, cursor).await;
    let missed = messages_in(&frames);
    let ids: Vec<MessageId> = missed.iter().map(|m| m.id).collect();
    assert_eq!(ids, sent, "exactly the missed messages, in order");
    let seqs: Vec<u64> = missed.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (4..4 + total as u64).collect::<Vec<_>>());
    // Catch-up is paged.
    assert!(
        frames
            .iter()
            .filter(|f| matches!(f, ServerFrame::Messages { .. }))
            .count()
            >= 2
    );

    // Up to date: nothing more to catch up.
    let (_, again) = server.connect(&bob.token, b.cursor).await;
    assert!(messages_in(&again).is_empty());

    // Receipts given while the sender was offline reach it on resume.
    let a_cursor = a.cursor;
    drop(a);
    let (mut b2, _) = server.connect(&bob.token, b.cursor).await;
    b2.send(&ClientFrame::Receipt {
        conversation_id: chat.id,
        kind: ReceiptKind::Read,
        seq: Seq(3 + total as u64),
    })
    .await;
    b2.recv_until(|f| matches!(f, ServerFrame::Receipt { .. }))
        .await;
    let (_, frames) = server.connect(&alice.token, a_cursor).await;
    let snapshot = frames
        .iter()
        .find_map(|f| match f {
            ServerFrame::Conversation { conversation, .. } => Some(conversation.clone()),
            _ => None,
        })
        .expect("conversation snapshot with the new receipt");
    let bob_member = snapshot
        .members
        .iter()
        .find(|m| m.user.id == bob.user.id)
        .unwrap();
    assert_eq!(bob_member.read, Seq(3 + total as u64));
}

#[tokio::test]
async fn starting_chats_with_unknown_or_own_handles_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    for (handle, expected) in [
        ("nobody", ErrorCode::UnknownHandle),
        ("alice", ErrorCode::Invalid),
        ("no way!", ErrorCode::UnknownHandle),
    ] {
        let request_id = RequestId::new();
        a.send(&ClientFrame::StartChat {
            request_id,
            handle: handle.into(),
        })
        .await;
        match a.recv().await {
            ServerFrame::Error {
                code,
                request_id: Some(r),
                message,
                ..
            } => {
                assert_eq!((code, r), (expected, request_id), "{handle}");
                assert!(!message.is_empty());
            }
            other => panic!("expected an error for {handle}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn members_page_back_through_history_and_others_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    server.register("bob", "Bob").await;
    let mallory = server.register("mallory", "Mallory").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let chat = a.start_chat("bob").await;
    for i in 1..=30 {
        a.send_message(chat.id, &format!("m{i}")).await;
    }
    let request_id = RequestId::new();
    a.send(&ClientFrame::History {
        request_id,
        conversation_id: chat.id,
        before: Seq(21),
        limit: 5,
    })
    .await;
    match a.recv().await {
        ServerFrame::History {
            request_id: r,
            messages,
            ..
        } => {
            assert_eq!(r, request_id);
            let seqs: Vec<u64> = messages.iter().map(|m| m.seq.0).collect();
            assert_eq!(seqs, vec![16, 17, 18, 19, 20]);
        }
        other => panic!("expected history, got {other:?}"),
    }
    let (mut m, _) = server.connect(&mallory.token, Pos(0)).await;
    m.send(&ClientFrame::History {
        request_id,
        conversation_id: chat.id,
        before: Seq(31),
        limit: 200,
    })
    .await;
    assert!(matches!(
        m.recv().await,
        ServerFrame::Error { code: ErrorCode::NotFound, request_id: Some(r), .. } if r == request_id
    ));
}

#[tokio::test]
async fn a_burst_of_live_messages_arrives_packed_in_order_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Pair {
        bob, mut a, chat, ..
    } = server.pair().await;
    let (mut b, _) = server.connect(&bob.token, Pos(0)).await;

    // Sent without waiting for acks: messages committed together reach Bob queued together.
    let burst = outbox(600, "burst");
    a.send_all(chat.id, &burst).await;
    let (mut frames, mut got) = (0, Vec::new());
    while got.len() < burst.len() {
        if let ServerFrame::Messages { messages } = b.recv().await {
            frames += 1;
            assert!(messages.len() <= kontor_protocol::limits::SYNC_PAGE);
            got.extend(messages);
        }
    }
    let bodies: Vec<&str> = got.iter().map(|m| m.body.as_str()).collect();
    let sent: Vec<&str> = burst.iter().map(|(_, body)| body.as_str()).collect();
    assert_eq!(bodies, sent, "every message once, in order");
    assert!(got.windows(2).all(|w| w[0].pos < w[1].pos));
    assert!(
        frames < burst.len(),
        "{frames} frames for {} messages: none were packed",
        burst.len()
    );
    b.expect_silence(Duration::from_millis(200)).await;
}
