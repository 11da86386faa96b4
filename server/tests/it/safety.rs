//! Blocking and reporting: what a blocked sender is told (nothing), what reaches the blocker
//! (nothing from them, live, in catch-up or in history), and the operator's reports.

use crate::harness::{Answer, Client, TestServer};
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::safety::{BlockedAccount, NewReport, ReportFiled, ReportReason};
use kontor_protocol::{
    ClientFrame, ConversationId, ErrorCode, Message, MessageId, Pos, RequestId, Seq, ServerFrame,
    SessionToken,
};
use reqwest::Method;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(400);

async fn block(server: &TestServer, token: &SessionToken, handle: &str) -> Answer {
    server
        .http(
            Method::PUT,
            &format!("/api/blocks/{handle}"),
            Some(token),
            None,
        )
        .await
}

async fn report(server: &TestServer, token: &SessionToken, body: &NewReport) -> Answer {
    server
        .api_json(Method::POST, "/api/reports", Some(token), body)
        .await
}

/// The bodies of every message a fresh device of this account gets: catch-up from the start
/// and then history from the newest, in order.
async fn seen_by(
    server: &TestServer,
    token: &SessionToken,
    chat: ConversationId,
) -> [Vec<String>; 2] {
    let (mut ws, frames) = server.connect(token, Pos(0)).await;
    let caught_up = crate::harness::messages_in(&frames)
        .into_iter()
        .filter(|m| m.conversation_id == chat)
        .map(|m| m.body)
        .collect();
    let request_id = RequestId::new();
    ws.send(&ClientFrame::History {
        request_id,
        conversation_id: chat,
        before: Seq::END,
        limit: 50,
    })
    .await;
    let history = match ws
        .recv_until(|f| matches!(f, ServerFrame::History { request_id: r, .. } if *r == request_id))
        .await
    {
        ServerFrame::History { messages, .. } => messages.into_iter().map(|m| m.body).collect(),
        _ => unreachable!(),
    };
    [caught_up, history]
}

/// Sends and waits for the answer: the ack's seq, or the error frame's code and sentence.
async fn try_send(
    ws: &mut Client,
    chat: ConversationId,
    body: &str,
) -> Result<u64, (ErrorCode, String)> {
    let id = MessageId::new();
    ws.send(&ClientFrame::Send {
        id,
        conversation_id: chat,
        body: body.into(),
        attachment: None,
    })
    .await;
    match ws
        .recv_until(|f| match f {
            ServerFrame::Ack { id: a, .. } => *a == id,
            ServerFrame::Error { message_id, .. } => *message_id == Some(id),
            _ => false,
        })
        .await
    {
        ServerFrame::Ack { seq, .. } => Ok(seq.0),
        ServerFrame::Error { code, message, .. } => Err((code, message)),
        _ => unreachable!(),
    }
}

/// Waits for the next live messages frame, skipping receipts and the like.
async fn next_messages(ws: &mut Client) -> Vec<Message> {
    match ws
        .recv_until(|f| matches!(f, ServerFrame::Messages { .. }))
        .await
    {
        ServerFrame::Messages { messages } => messages,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_blocked_sender_is_told_nothing_and_nothing_of_theirs_reaches_the_blocker() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mut pair = server.pair().await;
    let chat = pair.chat.id;
    let (mut b, _) = server.connect(&pair.bob.token, Pos(0)).await;
    assert_eq!(try_send(&mut b, chat, "hello").await, Ok(1));
    assert_eq!(next_messages(&mut pair.a).await[0].body, "hello");

    assert_eq!(block(&server, &pair.alice.token, "bob").await.status, 204);
    // Blocking again changes nothing and is no error.
    assert_eq!(block(&server, &pair.alice.token, "bob").await.status, 204);
    let blocked: Vec<BlockedAccount> = server
        .api_get("/api/blocks", Some(&pair.alice.token))
        .await
        .ok("blocks");
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].user.handle.as_str(), "bob");

    // Bob is acknowledged as always; Alice gets neither the message nor his typing.
    assert_eq!(try_send(&mut b, chat, "are you there?").await, Ok(2));
    b.send(&ClientFrame::Typing {
        conversation_id: chat,
    })
    .await;
    pair.a.expect_silence(QUIET).await;
    // Alice cannot write to him while he is blocked, and is told why.
    let (code, why) = try_send(&mut pair.a, chat, "hi bob").await.unwrap_err();
    assert_eq!(code, ErrorCode::Forbidden);
    assert!(why.contains("Unblock"), "{why}");

    // Bob's other devices have both messages; a new device of Alice's has only the first,
    // in catch-up and in history alike.
    assert_eq!(
        seen_by(&server, &pair.bob.token, chat).await,
        [
            vec!["hello", "are you there?"],
            vec!["hello", "are you there?"]
        ]
        .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    );
    let only_hello = vec!["hello".to_string()];
    assert_eq!(
        seen_by(&server, &pair.alice.token, chat).await,
        [only_hello.clone(), only_hello.clone()]
    );

    // Unblocked: new messages flow both ways; what came while blocked stays withheld for good.
    let answer = server
        .api_delete("/api/blocks/bob", Some(&pair.alice.token))
        .await;
    assert_eq!(answer.status, 204);
    assert_eq!(try_send(&mut b, chat, "third").await, Ok(3));
    assert_eq!(next_messages(&mut pair.a).await[0].body, "third");
    assert_eq!(try_send(&mut pair.a, chat, "sorry").await, Ok(4));
    let [caught_up, history] = seen_by(&server, &pair.alice.token, chat).await;
    assert_eq!(caught_up, ["hello", "third", "sorry"]);
    assert_eq!(history, caught_up);
}

#[tokio::test]
async fn a_customer_blocks_a_business_whose_team_still_sees_its_own_replies() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let team = server.team().await;
    let carl = server.register("carl", "Carl Customer").await;
    let (mut cust, _) = server.connect(&carl.token, Pos(0)).await;
    let (mut agent, _) = server.connect(&team.agent.token, Pos(0)).await;
    let chat = cust.start_chat("shop").await.id;
    assert_eq!(try_send(&mut cust, chat, "is my order ready?").await, Ok(1));

    assert_eq!(block(&server, &carl.token, "shop").await.status, 204);
    assert_eq!(try_send(&mut agent, chat, "buy more socks!").await, Ok(2));
    cust.expect_silence(QUIET).await;
    let (code, _) = try_send(&mut cust, chat, "stop").await.unwrap_err();
    assert_eq!(code, ErrorCode::Forbidden);
    let [caught_up, _] = seen_by(&server, &carl.token, chat).await;
    assert_eq!(caught_up, ["is my order ready?"]);
    // The team's history has its own reply.
    let request_id = RequestId::new();
    agent
        .send(&ClientFrame::History {
            request_id,
            conversation_id: chat,
            before: Seq::END,
            limit: 10,
        })
        .await;
    let ServerFrame::History { messages, .. } = agent
        .recv_until(|f| matches!(f, ServerFrame::History { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(messages.len(), 2);
}

#[tokio::test]
async fn reports_reach_the_operator_with_the_messages_the_reporter_saw() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_REPORTS_PER_USER_PER_HOUR", "3"),
            ("KONTOR_BLOCKS_PER_ACCOUNT", "1"),
        ],
    );
    let mut pair = server.pair().await;
    let chat = pair.chat.id;
    let (mut b, _) = server.connect(&pair.bob.token, Pos(0)).await;
    try_send(&mut b, chat, "send me your card number")
        .await
        .unwrap();
    next_messages(&mut pair.a).await;
    let out = server.run_cli(&["reports"]).await;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "No open reports."
    );

    // Only a member may report; the note has a limit.
    let mallory = server.register("mallory", "Mallory").await;
    let request = NewReport {
        conversation_id: chat,
        reason: ReportReason::Scam,
        note: "He wants my card.".into(),
        block: true,
    };
    report(&server, &mallory.token, &request)
        .await
        .assert_error(404, ApiErrorCode::NotFound, "outsider's report");
    let long = NewReport {
        note: "x".repeat(1001),
        ..request.clone()
    };
    assert_eq!(report(&server, &pair.alice.token, &long).await.status, 413);

    let filed: ReportFiled = report(&server, &pair.alice.token, &request).await.json();
    // Reporting with `block` blocked him too: his next message does not reach Alice.
    try_send(&mut b, chat, "hello?").await.unwrap();
    pair.a.expect_silence(QUIET).await;
    // One block is the most this server allows here.
    let answer = block(&server, &pair.alice.token, "mallory").await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(
        answer.text().contains("Unblock one first"),
        "{}",
        answer.text()
    );

    let out = server.run_cli(&["reports"]).await;
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in [
        filed.id.to_string().as_str(),
        "by @alice (Alice)",
        "about @bob (Bob)",
        "reason: scam",
        "note: He wants my card.",
        "@bob: send me your card number",
    ] {
        assert!(listed.contains(needle), "{needle} missing from:\n{listed}");
    }
    // What was withheld from Alice is not evidence she saw.
    assert!(!listed.contains("hello?"), "{listed}");

    // A second report fills the hour's 3 (the one refused for its note counted), a third is
    // refused with the wait.
    let again = NewReport {
        reason: ReportReason::Abuse,
        block: false,
        note: String::new(),
        ..request.clone()
    };
    assert_eq!(report(&server, &pair.alice.token, &again).await.status, 201);
    let refused = report(&server, &pair.alice.token, &again).await;
    refused.assert_error(429, ApiErrorCode::RateLimited, "third report");

    let out = server
        .run_cli(&["reports", "close", &filed.id.to_string()])
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = server.run_cli(&["reports"]).await;
    let open = String::from_utf8_lossy(&out.stdout);
    assert!(
        !open.contains(&filed.id.to_string()) && open.contains("reported 2 times"),
        "{open}"
    );
    let out = server.run_cli(&["reports", "--all"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("(closed "));
    let out = server
        .run_cli(&["reports", "close", &filed.id.to_string()])
        .await;
    assert!(!out.status.success(), "closing twice");
}

#[tokio::test]
async fn blocking_refuses_oneself_and_unknown_handles() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let answer = block(&server, &alice.token, "alice").await;
    answer.assert_error(400, ApiErrorCode::InvalidField, "blocking oneself");
    assert_eq!(block(&server, &alice.token, "nobody").await.status, 404);
    assert_eq!(
        server.api_get("/api/blocks", None).await.status,
        401,
        "the list needs a session"
    );
}
