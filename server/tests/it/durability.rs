//! The server is killed while messages are in flight: everything acknowledged survives, and the
//! client's resends (same ids) are stored once.

use crate::harness::{Pair, TestServer, messages_in, outbox};
use kontor_protocol::{MessageId, Pos, ServerFrame};
use std::collections::HashMap;
use std::time::Duration;

#[tokio::test]
async fn acknowledged_messages_survive_a_kill_and_resends_are_not_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let Pair {
        alice,
        bob,
        mut a,
        chat,
    } = server.pair().await;

    // Pipeline many sends, then kill the server as soon as some acks are in.
    let outbox = outbox(400, "message");
    a.send_all(chat.id, &outbox).await;
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
    a.send_all(chat.id, &outbox).await;
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
