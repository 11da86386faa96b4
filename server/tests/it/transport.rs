//! The transport under attack: huge histories still sync, slow readers and slow senders are cut
//! off, and "log out everywhere" ends every session.

use crate::harness::{Client, TestServer, messages_in};
use kontor_protocol::limits::{MAX_BODY_BYTES, SYNC_FRAME_BYTES};
use kontor_protocol::{ClientFrame, Pos, RequestId, Seq, ServerFrame};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_stranger_s_maximum_size_messages_cannot_stop_a_victim_from_syncing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mut pair = server.pair().await;
    let body = "x".repeat(MAX_BODY_BYTES);
    for _ in 0..40 {
        pair.a.send_message(pair.chat.id, &body).await;
    }
    // The victim's first sync: every message arrives, in frames a socket's buffers take.
    let mut victim = Client::open(&server.ws_url()).await;
    victim
        .send(&ClientFrame::Hello {
            token: pair.bob.token.clone(),
            since: Pos(0),
        })
        .await;
    let mut frames = Vec::new();
    loop {
        let message = tokio::time::timeout(
            crate::harness::WAIT,
            futures_util::StreamExt::next(&mut victim.ws),
        )
        .await
        .expect("a frame in time")
        .expect("the socket stays open")
        .expect("no socket error");
        let tokio_tungstenite::tungstenite::Message::Text(text) = message else {
            continue;
        };
        assert!(
            text.len() <= SYNC_FRAME_BYTES,
            "a frame of {} bytes",
            text.len()
        );
        let frame: ServerFrame = serde_json::from_str(&text).unwrap();
        if matches!(frame, ServerFrame::SyncDone { .. }) {
            break;
        }
        frames.push(frame);
    }
    assert_eq!(messages_in(&frames).len(), 40);

    // History of the same chat comes in frames of the same bound, newest first.
    let request_id = RequestId::new();
    victim
        .send(&ClientFrame::History {
            request_id,
            conversation_id: pair.chat.id,
            before: Seq::END,
            limit: 200,
        })
        .await;
    let ServerFrame::History { messages, .. } = victim
        .recv_until(|f| matches!(f, ServerFrame::History { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(
        !messages.is_empty() && messages.len() < 40,
        "{}",
        messages.len()
    );
    assert_eq!(messages.last().unwrap().seq, Seq(40));

    // Live: a burst while connected arrives too.
    for _ in 0..20 {
        pair.a.send_message(pair.chat.id, &body).await;
    }
    assert_eq!(victim.recv_messages(20).await.len(), 20);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_a_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_SLOW_CLIENT_SECS", "2"),
            ("KONTOR_SLOW_CLIENT_KIB", "1024"),
        ],
    );
    let mut pair = server.pair().await;
    // Bob connects and then reads nothing.
    let (_stalled, _) = server.connect(&pair.bob.token, Pos(0)).await;
    assert_eq!(server.live_connections().await, 2);
    let body = "y".repeat(MAX_BODY_BYTES);
    let started = Instant::now();
    let mut sent = 0;
    while server.live_connections().await > 1 {
        for _ in 0..20 {
            pair.a.send_message(pair.chat.id, &body).await;
        }
        sent += 20;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "still connected after {sent} messages"
        );
    }
    // The sender was never held up, and Bob finds everything when he comes back.
    let (_, frames) = server.connect(&pair.bob.token, Pos(0)).await;
    assert_eq!(messages_in(&frames).len(), sent);
}

/// Reads until the server closes the connection; how long that took.
async fn until_closed(tcp: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), tcp.read(&mut buf))
            .await
        {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_HEADER_TIMEOUT_SECS", "1"),
            ("KONTOR_BODY_TIMEOUT_SECS", "1"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Headers, one line every 300 ms, never finished.
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if tcp
                .write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    let started = Instant::now();
    trickle.await;
    let mut buf = [0u8; 64];
    let closed = matches!(
        tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    );
    assert!(
        closed || started.elapsed() < Duration::from_secs(14),
        "headers held the socket"
    );

    // A body that never arrives in full.
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"handle\":",
    )
    .await
    .unwrap();
    let took = until_closed(&mut tcp, Duration::from_secs(10)).await;
    assert!(took.is_some(), "a trickled body held the socket for 10 s");
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let phone = server.register("alice", "Alice").await;
    let laptop = server
        .login("alice", "correct horse battery")
        .await
        .unwrap();
    let other = server.register("bob", "Bob").await;
    let (mut live, _) = server.connect(&phone.token, Pos(0)).await;
    let status = reqwest::Client::new()
        .post(format!("{}/api/logout-everywhere", server.base))
        .bearer_auth(&laptop.token.0)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 204);
    let end = live.try_recv(Duration::from_secs(5)).await;
    assert!(
        end.unwrap_err().contains("closed"),
        "the phone's connection stays open"
    );
    for token in [&phone.token, &laptop.token] {
        let mut client = Client::open(&server.ws_url()).await;
        client
            .send(&ClientFrame::Hello {
                token: token.clone(),
                since: Pos(0),
            })
            .await;
        assert!(matches!(client.recv().await, ServerFrame::Error { .. }));
    }
    // Somebody else's session is untouched.
    server.connect(&other.token, Pos(0)).await;
}
