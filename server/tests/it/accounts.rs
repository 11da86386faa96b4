//! Register, log in, log out, and what a session token may do.

use crate::harness::TestServer;
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::{ClientFrame, ErrorCode, Pos, ServerFrame};
use std::time::Duration;

#[tokio::test]
async fn register_login_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());

    let alice = server.register("Alice", "Alice A.").await;
    assert_eq!(alice.user.handle.as_str(), "alice");
    assert_eq!(alice.user.display_name, "Alice A.");

    // Handles are unique regardless of case.
    let (status, err) = server
        .try_register("ALICE", "Other", "long enough pw")
        .await
        .unwrap_err();
    assert_eq!((status, err.code), (409, ApiErrorCode::HandleTaken));

    let (status, err) = server
        .try_register("a b", "X", "long enough pw")
        .await
        .unwrap_err();
    assert_eq!((status, err.code), (400, ApiErrorCode::InvalidHandle));
    assert!(err.message.contains("letters"), "{}", err.message);
    let (_, err) = server
        .try_register("ab", "X", "long enough pw")
        .await
        .unwrap_err();
    assert_eq!(err.code, ApiErrorCode::InvalidHandle);
    let (_, err) = server.try_register("bob", "X", "short").await.unwrap_err();
    assert_eq!(err.code, ApiErrorCode::InvalidPassword);
    let (_, err) = server
        .try_register("bob", "   ", "long enough pw")
        .await
        .unwrap_err();
    assert_eq!(err.code, ApiErrorCode::InvalidDisplayName);

    let ok = server
        .login("alice", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(ok.user.id, alice.user.id);
    assert_ne!(ok.token, alice.token);
    let (status, err) = server.login("alice", "wrong password").await.unwrap_err();
    assert_eq!((status, err.code), (401, ApiErrorCode::WrongCredentials));
    // An unknown handle gets the very same answer: no account enumeration.
    let (status, err2) = server.login("nobody", "wrong password").await.unwrap_err();
    assert_eq!((status, err2.message), (401, err.message));

    // A malformed body gets a JSON error too.
    let res = reqwest::Client::new()
        .post(format!("{}/api/login", server.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let err: kontor_protocol::api::ApiError = res.json().await.unwrap();
    assert_eq!(err.code, ApiErrorCode::BadRequest);
}

#[tokio::test]
async fn logout_revokes_the_token_and_closes_its_connections() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let alice = server.register("alice", "Alice").await;
    let second = server
        .login("alice", "correct horse battery")
        .await
        .unwrap();

    let (mut live, _) = server.connect(&alice.token, Pos(0)).await;
    let (mut other, _) = server.connect(&second.token, Pos(0)).await;
    assert_eq!(server.live_connections().await, 2);
    assert_eq!(server.logout(&alice.token).await, 204);

    // The live connection of that session is closed at once …
    let end = live.try_recv(Duration::from_secs(5)).await;
    assert!(end.unwrap_err().contains("closed"));
    // … the other session keeps working …
    other.send(&ClientFrame::Ping { nonce: 7 }).await;
    assert_eq!(other.recv().await, ServerFrame::Pong { nonce: 7 });

    // … and the token no longer opens a connection.
    let mut retry = crate::harness::Client::open(&server.ws_url()).await;
    retry
        .send(&ClientFrame::Hello {
            token: alice.token.clone(),
            since: Pos(0),
        })
        .await;
    match retry.recv().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Unauthorized),
        other => panic!("expected unauthorized, got {other:?}"),
    }
    assert_eq!(server.logout(&alice.token).await, 204);
    assert_eq!(
        server
            .logout(&kontor_protocol::SessionToken("nope".into()))
            .await,
        204
    );
}

#[tokio::test]
async fn websocket_requires_a_valid_first_frame_and_an_allowed_origin() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());

    let mut c = crate::harness::Client::open(&server.ws_url()).await;
    c.send(&ClientFrame::Ping { nonce: 1 }).await;
    match c.recv().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Unauthorized),
        other => panic!("expected unauthorized, got {other:?}"),
    }

    let foreign =
        crate::harness::Client::open_with_origin(&server.ws_url(), "https://evil.example").await;
    assert!(foreign.is_err(), "a foreign origin must be refused");
    let own = crate::harness::Client::open_with_origin(&server.ws_url(), &server.base).await;
    assert!(own.is_ok());
}

#[tokio::test]
async fn the_operator_suspends_an_account_and_its_sessions_end_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    let mallory = server.register("mallory", "Mallory").await;
    let (mut live, _) = server.connect(&mallory.token, Pos(0)).await;

    let out = server.run_cli(&["user", "suspend", "mallory"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("suspended"));
    let end = live.try_recv(Duration::from_secs(5)).await;
    assert!(
        end.unwrap_err().contains("closed"),
        "the connection stays open"
    );
    // The token opens nothing, and logging in again is refused, saying why (to whoever has the
    // password only).
    let mut retry = crate::harness::Client::open(&server.ws_url()).await;
    retry
        .send(&ClientFrame::Hello {
            token: mallory.token.clone(),
            since: Pos(0),
        })
        .await;
    assert!(matches!(
        retry.recv().await,
        ServerFrame::Error {
            code: ErrorCode::Unauthorized,
            ..
        }
    ));
    let (status, error) = server
        .login("mallory", "correct horse battery")
        .await
        .unwrap_err();
    assert_eq!(status, 403);
    assert!(error.message.contains("suspended"), "{}", error.message);
    let (status, error) = server.login("mallory", "wrong password").await.unwrap_err();
    assert_eq!((status, error.code), (401, ApiErrorCode::WrongCredentials));
    // Unknown handles are said to be unknown.
    let out = server.run_cli(&["user", "suspend", "nobody"]).await;
    assert!(!out.status.success());

    let out = server.run_cli(&["user", "unsuspend", "mallory"]).await;
    assert!(out.status.success());
    server
        .login("mallory", "correct horse battery")
        .await
        .unwrap();
}
