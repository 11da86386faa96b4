//! Floods: logins, registrations, password hashing, connections, messages and frames are limited,
//! each refusal says when to retry, and the real user keeps working.

use crate::harness::{Client, OPERATOR_TOKEN, TestServer, WAIT, peak_memory_kib};
use kontor_protocol::api::{ApiError, ApiErrorCode, LoginRequest, RegisterRequest};
use kontor_protocol::{ClientFrame, ErrorCode, MessageId, Pos, ServerFrame};
use std::time::Duration;

/// A login as if from `ip` (the server trusts 127.0.0.1 as a proxy in these tests).
async fn login_from(
    server: &TestServer,
    ip: &str,
    handle: &str,
    password: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/login", server.base))
        .header("x-forwarded-for", ip)
        .json(&LoginRequest {
            handle: handle.into(),
            password: password.into(),
        })
        .send()
        .await
        .expect("login request")
}

/// Asserts a 429 `rate_limited` answer with a `Retry-After` and the same wait in its body.
async fn assert_rate_limited(res: reqwest::Response) -> u64 {
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: ApiError = res.json().await.unwrap();
    assert_eq!(body.code, ApiErrorCode::RateLimited);
    assert_eq!(body.retry_after_secs, Some(retry));
    assert!(body.message.contains("Try again in"), "{}", body.message);
    assert!(retry >= 1);
    retry
}

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn logins_are_limited_per_address_and_per_account_but_never_lock_the_owner_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_TRUSTED_PROXIES", "127.0.0.1"),
            ("KONTOR_LOGINS_PER_IP_PER_MINUTE", "5"),
            ("KONTOR_LOGINS_PER_ACCOUNT_PER_HOUR", "8"),
        ],
    );
    server.register("owner", "Owner").await;
    let home = "192.0.2.10";
    assert_eq!(
        login_from(&server, home, "owner", PASSWORD).await.status(),
        200
    );

    // One address guessing: five tries, then refused for every account, with a wait under 15 s.
    let guesser = "198.51.100.1";
    for i in 0..5 {
        let res = login_from(&server, guesser, "owner", &format!("guess {i}")).await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let wait = assert_rate_limited(login_from(&server, guesser, "someone", "x").await).await;
    assert!(wait <= 15, "{wait}");

    // Many addresses on one account: the account's bucket runs dry …
    for i in 2..6 {
        let _ = login_from(&server, &format!("198.51.100.{i}"), "owner", "guess").await;
    }
    let fresh = "203.0.113.50";
    let wait = assert_rate_limited(login_from(&server, fresh, "owner", PASSWORD).await).await;
    assert!(wait > 60, "{wait}");
    // … but the owner, from an address they logged in from before, still gets in.
    assert_eq!(
        login_from(&server, home, "owner", PASSWORD).await.status(),
        200
    );

    // Without a trusted proxy in front, the header is the client's own and is ignored.
    let dir2 = tempfile::tempdir().unwrap();
    let direct =
        TestServer::start_with_limits(dir2.path(), &[("KONTOR_LOGINS_PER_IP_PER_MINUTE", "2")]);
    for ip in ["192.0.2.1", "192.0.2.2"] {
        assert_eq!(login_from(&direct, ip, "nobody", "x").await.status(), 401);
    }
    assert_rate_limited(login_from(&direct, "192.0.2.3", "nobody", "x").await).await;
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_with_limits(dir.path(), &[("KONTOR_REGISTRATIONS_PER_IP_PER_HOUR", "2")]);
    server.register("first", "First").await;
    server.register("second", "Second").await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/register", server.base))
        .json(&RegisterRequest {
            handle: "third".into(),
            display_name: "Third".into(),
            password: PASSWORD.into(),
        })
        .send()
        .await
        .unwrap();
    let wait = assert_rate_limited(res).await;
    assert!(wait > 60, "{wait}");
    // Refused before anything was stored: the handle is still free.
    let found = server.login("third", PASSWORD).await;
    assert!(matches!(found, Err((401, _))), "{found:?}");
}

/// 300 concurrent wrong logins; answers (refused as busy, wrong password, abandoned).
async fn flood(server: &TestServer, patience: Option<Duration>) -> (usize, usize, usize) {
    let mut client = reqwest::Client::builder();
    if let Some(patience) = patience {
        client = client.timeout(patience);
    }
    let client = client.build().unwrap();
    let mut attempts = Vec::new();
    for i in 0..300 {
        let (client, base) = (client.clone(), server.base.clone());
        attempts.push(tokio::spawn(async move {
            client
                .post(format!("{base}/api/login"))
                .json(&LoginRequest {
                    handle: "owner".into(),
                    password: format!("guess {i}"),
                })
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let (mut busy, mut wrong, mut abandoned) = (0, 0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(429) => busy += 1,
            Ok(401) => wrong += 1,
            Ok(other) => panic!("status {other}"),
            Err(_) => abandoned += 1,
        }
    }
    (busy, wrong, abandoned)
}

#[tokio::test]
async fn a_password_flood_is_refused_at_a_bounded_line_and_memory_stays_flat() {
    let dir = tempfile::tempdir().unwrap();
    // Per-address limits lifted: this is the flood a botnet could send.
    let server = TestServer::start_with_limits(dir.path(), &[("KONTOR_PASSWORD_QUEUE", "8")]);
    server.register("owner", "Owner").await;
    let before = peak_memory_kib(server.pid()).unwrap();

    // 300 wrong logins at once: a few are hashed, a bounded line waits, the rest are refused
    // at once as busy.
    let (busy, wrong, _) = flood(&server, None).await;
    eprintln!(
        "patient flood: {busy} busy, {wrong} wrong passwords, peak +{} MiB",
        (peak_memory_kib(server.pid()).unwrap() - before) / 1024
    );
    assert!(busy >= 200, "only {busy} of 300 were refused at once");
    assert_eq!(busy + wrong, 300);
    // The real user gets in once the line has room (the refusal said to retry in a second).
    let mut tries = 0;
    loop {
        tries += 1;
        match server.login("owner", PASSWORD).await {
            Ok(_) => break,
            Err((429, e)) if tries < 30 => {
                assert_eq!(e.code, ApiErrorCode::RateLimited);
                tokio::time::sleep(Duration::from_secs(e.retry_after_secs.unwrap_or(1))).await;
            }
            Err(e) => panic!("the owner could not log in: {e:?}"),
        }
    }
    // 300 more, each abandoned by its client after 50 ms: the hashes they started must not
    // pile up past the slots (each takes 19 MiB).
    let (_, _, abandoned) = flood(&server, Some(Duration::from_millis(50))).await;
    eprintln!("impatient flood: {abandoned} abandoned");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let grown_mib = (peak_memory_kib(server.pid()).unwrap() - before) / 1024;
    assert!(grown_mib < 100, "peak memory grew by {grown_mib} MiB");
}

#[tokio::test]
async fn connections_are_capped_per_account_and_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_CONNECTIONS_PER_USER", "2"),
            ("KONTOR_CONNECTIONS_PER_IP", "4"),
        ],
    );
    let alice = server.register("alice", "Alice").await;
    let (_a1, _) = server.connect(&alice.token, Pos(0)).await;
    let (_a2, _) = server.connect(&alice.token, Pos(0)).await;
    let mut third = Client::open(&server.ws_url()).await;
    third
        .send(&ClientFrame::Hello {
            token: alice.token.clone(),
            since: Pos(0),
        })
        .await;
    match third.recv().await {
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            retry_after_ms: Some(ms),
            ..
        } => assert!(ms >= 1000),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(third.try_recv(WAIT).await.is_err(), "the third stays open");
    drop(third);

    // Two more sockets from the address fill it (authenticated or not); the fifth is refused.
    // The refused third frees its place when the server has finished closing it: wait for that.
    let deadline = std::time::Instant::now() + WAIT;
    let mut open = Vec::new();
    while open.len() < 2 {
        match tokio_tungstenite::connect_async(server.ws_url()).await {
            Ok((ws, _)) => open.push(ws),
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("the address's places were not freed: {e}"),
        }
    }
    let refused = tokio_tungstenite::connect_async(server.ws_url()).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status().as_u16(), 429);
            assert!(res.headers().contains_key("retry-after"));
        }
        other => panic!("expected 429, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn message_and_frame_rates_are_limited_and_refusals_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with_limits(
        dir.path(),
        &[
            ("KONTOR_MESSAGES_PER_USER_PER_MINUTE", "5"),
            ("KONTOR_FRAMES_PER_CONNECTION_PER_MINUTE", "20"),
        ],
    );
    let mut pair = server.pair().await;
    let ids: Vec<MessageId> = (0..8).map(|_| MessageId::new()).collect();
    for (i, id) in ids.iter().enumerate() {
        pair.a
            .send(&ClientFrame::Send {
                id: *id,
                conversation_id: pair.chat.id,
                body: format!("burst {i}"),
                attachment: None,
            })
            .await;
    }
    let (mut acked, mut limited, mut waits) = (Vec::new(), Vec::new(), Vec::new());
    while acked.len() + limited.len() < ids.len() {
        match pair.a.recv().await {
            ServerFrame::Ack { id, .. } => acked.push(id),
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                message_id: Some(id),
                retry_after_ms: Some(ms),
                message,
                ..
            } => {
                assert!(message.contains("too fast"), "{message}");
                limited.push(id);
                waits.push(ms);
            }
            _ => {}
        }
    }
    assert_eq!(acked, ids[..5]);
    assert_eq!(limited, ids[5..]);
    // 5 a minute is one every 12 s: the refused are told 12, 24 and 36 s (less what passed),
    // so resending each after its own wait finds room for each.
    assert!(waits[0] > 0 && waits[0] <= 12_000, "{waits:?}");
    for pair in waits.windows(2) {
        assert!(
            (11_900..=12_100).contains(&(pair[1] - pair[0])),
            "{waits:?}"
        );
    }

    // What was refused was not stored: Bob receives exactly the five.
    let (_, frames) = server.connect(&pair.bob.token, Pos(0)).await;
    let got: Vec<MessageId> = crate::harness::messages_in(&frames)
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(got, ids[..5]);

    // Typing notices count as frames too: beyond the connection's budget they are refused.
    let mut refused = 0;
    for _ in 0..20 {
        pair.a
            .send(&ClientFrame::Typing {
                conversation_id: pair.chat.id,
            })
            .await;
    }
    while let Ok(frame) = pair.a.try_recv(Duration::from_millis(500)).await {
        if matches!(
            frame,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ) {
            refused += 1;
        }
    }
    assert!(refused >= 5, "{refused} typing frames refused");
}

#[tokio::test]
async fn health_shows_figures_to_the_operator_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    assert_eq!(
        server.health(None).await,
        serde_json::json!({"status": "ok"})
    );
    assert!(
        server
            .health(Some("guess"))
            .await
            .get("connections")
            .is_none()
    );
    assert_eq!(server.health(Some(OPERATOR_TOKEN)).await["connections"], 0);
}
