//! The server is killed while messages are in flight: everything acknowledged survives, and the
//! client's resends (same ids) are stored once.

use crate::harness::{TestServer, messages_in};
use kontor_protocol::{ClientFrame, MessageId, Pos, ServerFrame};
use std::collections::HashMap;
use std::time::Duration;

#[tokio::test]
async fn acknowledged_messages_survive_a_kill_and_resends_are_not_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let bob = server.register("bob", "Bob").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let chat = a.start_chat("bob").await;

    // Pipeline many sends, then kill the server as soon as some acks are in.
    let outbox: Vec<(MessageId, String)> = (0..400)
        .map(|i| (MessageId::new(), format!("message {i}")))
        .collect();
    for (id, body) in &outbox {
        a.send(&ClientFrame::Send {
            id: *id,
            conversation_id: chat.id,
            body: body.clone(),
        })
        .await;
    }
    let mut acked: HashMap<MessageId, u64> = HashMap::new();
    while acked.len() < 50 {
        match a.try_recv(Duration::from_secs(10)).await {
            Ok(ServerFrame::Ack { id, seq, .. }) => {
                acked.insert(id, seq.0);
            }
            Ok(_) => {}
            Err(e) => panic!("lost the connection before any ack: {e}"),
        }
    }
    server.kill();

    // Restart on the same data; the client resends its whole outbox with the same ids, as the
    // web client does for everything not yet acknowledged (and here even for acked ones).
    let server = TestServer::start(dir.path());
    let (mut a, _) = server.connect(&alice.token, a.cursor).await;
    for (id, body) in &outbox {
        a.send(&ClientFrame::Send {
            id: *id,
            conversation_id: chat.id,
            body: body.clone(),
        })
        .await;
    }
    let mut reacked: HashMap<MessageId, u64> = HashMap::new();
    while reacked.len() < outbox.len() {
        if let ServerFrame::Ack { id, seq, .. } = a.recv().await {
            reacked.insert(id, seq.0);
        }
    }
    for (id, seq) in &acked {
        assert_eq!(
            reacked.get(id),
            Some(seq),
            "an acked message kept its place"
        );
    }

    // Bob, on a new device, gets every message exactly once, in send order, seq 1..=400.
    let (_, frames) = server.connect(&bob.token, Pos(0)).await;
    let got = messages_in(&frames);
    let ids: Vec<MessageId> = got.iter().map(|m| m.id).collect();
    let expected: Vec<MessageId> = outbox.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected);
    let seqs: Vec<u64> = got.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (1..=400).collect::<Vec<_>>());
}
