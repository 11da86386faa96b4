//! Bad input: garbage, oversize frames, foreign conversations. Errors are clear and nothing else
//! is disturbed.

use crate::harness::{Client, TestServer};
use futures_util::SinkExt;
use kontor_protocol::limits::{MAX_BODY_BYTES, MAX_FRAME_BYTES};
use kontor_protocol::{
    ClientFrame, ConversationId, ErrorCode, MessageId, Pos, ReceiptKind, Seq, ServerFrame,
};
use std::time::Duration;

fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

async fn assert_alive(c: &mut Client) {
    c.send(&ClientFrame::Ping { nonce: 42 }).await;
    assert_eq!(c.recv().await, ServerFrame::Pong { nonce: 42 });
}

#[tokio::test]
async fn malformed_and_oversize_frames_get_errors_and_the_connection_stays() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    server.register("bob", "Bob").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let chat = a.start_chat("bob").await;

    for garbage in [
        "not json",
        r#"{"send":{}}"#,
        r#"{"launch_rockets":{}}"#,
        r#"{"type":"ping","nonce":1}"#,
        "[]",
    ] {
        a.send_raw(garbage).await;
        assert_eq!(
            error_code(&a.recv().await),
            Some(ErrorCode::Malformed),
            "{garbage}"
        );
    }
    a.ws.send(tokio_tungstenite::tungstenite::Message::Binary(
        vec![1, 2, 3].into(),
    ))
    .await
    .unwrap();
    assert_eq!(error_code(&a.recv().await), Some(ErrorCode::Malformed));

    let big = format!(
        r#"{{"ping":{{"nonce":1,"pad":"{}"}}}}"#,
        "x".repeat(MAX_FRAME_BYTES)
    );
    a.send_raw(&big).await;
    assert_eq!(error_code(&a.recv().await), Some(ErrorCode::TooLarge));

    let id = MessageId::new();
    a.send(&ClientFrame::Send {
        id,
        conversation_id: chat.id,
        body: "é".repeat(MAX_BODY_BYTES / 2 + 1),
        attachment: None,
    })
    .await;
    match a.recv().await {
        ServerFrame::Error {
            code: ErrorCode::TooLarge,
            message_id: Some(m),
            message,
            ..
        } => {
            assert_eq!(m, id);
            assert!(message.contains("KiB"));
        }
        other => panic!("expected too large, got {other:?}"),
    }
    a.send(&ClientFrame::Send {
        id: MessageId::new(),
        conversation_id: chat.id,
        body: "  \n ".into(),
        attachment: None,
    })
    .await;
    assert_eq!(error_code(&a.recv().await), Some(ErrorCode::Invalid));

    assert_alive(&mut a).await;
    // Nothing invalid was stored.
    let (_, n) = a.send_message(chat.id, "still fine").await;
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_client_that_keeps_sending_garbage_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let mut closed = false;
    for _ in 0..20 {
        a.send_raw("garbage").await;
        match a.try_recv(Duration::from_secs(5)).await {
            Ok(frame) => assert_eq!(error_code(&frame), Some(ErrorCode::Malformed)),
            Err(e) => {
                assert!(e.contains("closed") || e.contains("error"), "{e}");
                closed = true;
                break;
            }
        }
    }
    assert!(
        closed,
        "the connection should be closed after repeated garbage"
    );
    // Others are unaffected.
    let (mut again, _) = server.connect(&alice.token, Pos(0)).await;
    assert_alive(&mut again).await;
}

#[tokio::test]
async fn frames_beyond_the_transport_limit_close_only_that_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let (mut other, _) = server.connect(&alice.token, Pos(0)).await;
    a.send_raw(&"x".repeat(4 * MAX_FRAME_BYTES)).await;
    assert!(a.try_recv(Duration::from_secs(5)).await.is_err());
    assert_alive(&mut other).await;
}

#[tokio::test]
async fn foreign_conversations_are_invisible() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let bob = server.register("bob", "Bob").await;
    let mallory = server.register("mallory", "Mallory").await;
    let (mut a, _) = server.connect(&alice.token, Pos(0)).await;
    let chat = a.start_chat("bob").await;
    a.send_message(chat.id, "private").await;
    let (mut b, _) = server.connect(&bob.token, Pos(0)).await;
    let (mut m, frames) = server.connect(&mallory.token, Pos(0)).await;
    assert!(
        frames.is_empty(),
        "mallory's catch-up holds nothing of others: {frames:?}"
    );

    let mut answers = Vec::new();
    for target in [chat.id, ConversationId::new()] {
        let id = MessageId::new();
        m.send(&ClientFrame::Send {
            id,
            conversation_id: target,
            body: "let me in".into(),
            attachment: None,
        })
        .await;
        match m.recv().await {
            ServerFrame::Error {
                code,
                message,
                message_id,
                ..
            } => {
                assert_eq!((code, message_id), (ErrorCode::NotFound, Some(id)));
                answers.push(message);
            }
            other => panic!("expected not found, got {other:?}"),
        }
    }
    // An existing and a made-up conversation get the same answer: nothing leaks.
    assert_eq!(answers[0], answers[1]);

    m.send(&ClientFrame::Receipt {
        conversation_id: chat.id,
        kind: ReceiptKind::Read,
        seq: Seq(1),
    })
    .await;
    assert_eq!(error_code(&m.recv().await), Some(ErrorCode::NotFound));
    m.send(&ClientFrame::Typing {
        conversation_id: chat.id,
    })
    .await;
    assert_eq!(error_code(&m.recv().await), Some(ErrorCode::NotFound));

    a.expect_silence(Duration::from_millis(300)).await;
    b.expect_silence(Duration::from_millis(300)).await;
    let (_, frames) = server.connect(&bob.token, Pos(0)).await;
    let bodies: Vec<String> = crate::harness::messages_in(&frames)
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, vec!["private".to_string()]);
}
