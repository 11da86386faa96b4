//! Floods against a server with its default limits (behind a trusted proxy, so clients can come
//! from many addresses): how long a real user's login, sync and sending take during each flood,
//! beside the same without one.

use crate::client::Server;
use anyhow::{Result, bail};
use futures_util::{StreamExt, stream};
use kontor_protocol::api::{LoginRequest, SessionResponse};
use kontor_protocol::limits::MAX_BODY_BYTES;
use kontor_protocol::{ClientFrame, ConversationId, MessageId, Pos, ServerFrame};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// Sends timed per probe.
const SENDS: usize = 10;

fn address(a: u8, b: u8, c: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, 7))
}

/// What the real user saw.
struct Probe {
    login_ms: f64,
    /// Refusals ("busy", "too many") the login met before it got through.
    login_refusals: usize,
    sync_ms: f64,
    send_p50_ms: f64,
    send_max_ms: f64,
}

impl Probe {
    fn json(&self) -> serde_json::Value {
        json!({
            "login_ms": self.login_ms,
            "login_refusals": self.login_refusals,
            "sync_ms": self.sync_ms,
            "send_p50_ms": self.send_p50_ms,
            "send_max_ms": self.send_max_ms,
        })
    }
}

/// The real user logs in (waiting out refusals as the app does), syncs and sends to its peer.
async fn probe(home: &Server, user: &SessionResponse, chat: ConversationId) -> Result<Probe> {
    let started = Instant::now();
    let mut login_refusals = 0;
    let session = loop {
        let res = home
            .http()
            .post(format!("{}/api/login", home.base()))
            .json(&LoginRequest {
                handle: user.user.handle.as_str().into(),
                password: crate::client::PASSWORD.into(),
            })
            .send()
            .await?;
        if res.status().as_u16() == 429 {
            login_refusals += 1;
            let wait = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(1u64);
            if login_refusals > 20 {
                bail!("the real user could not log in");
            }
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        if !res.status().is_success() {
            bail!("login failed: {}", res.text().await?);
        }
        break res.json::<SessionResponse>().await?;
    };
    let login_ms = ms(started);
    let started = Instant::now();
    let mut conn = home.connect(&session.token, Pos(0), None).await?;
    let sync_ms = ms(started);
    let mut times = Vec::new();
    for i in 0..SENDS {
        let started = Instant::now();
        conn.send_acked(chat, format!("probe {i}")).await?;
        times.push(ms(started));
    }
    times.sort_by(f64::total_cmp);
    Ok(Probe {
        login_ms,
        login_refusals,
        sync_ms,
        send_p50_ms: times[times.len() / 2],
        send_max_ms: times[times.len() - 1],
    })
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// `count` wrong logins at once, each from `from(i)`, for `handle(i)`.
async fn wrong_logins(
    server: &Server,
    count: usize,
    from: impl Fn(usize) -> IpAddr,
    handle: impl Fn(usize) -> String,
) -> (usize, usize) {
    let attempts = (0..count).map(|i| {
        let client = server.seen_from(from(i));
        let handle = handle(i);
        async move {
            client
                .http()
                .post(format!("{}/api/login", client.base()))
                .json(&LoginRequest {
                    handle,
                    password: format!("guess {i}"),
                })
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let statuses: Vec<u16> = stream::iter(attempts)
        .buffer_unordered(count)
        .collect()
        .await;
    let refused = statuses.iter().filter(|s| **s == 429).count();
    (refused, statuses.len() - refused)
}

/// Runs each flood with the real user probing during it.
pub async fn floods(server: &Server, server_pid: u32) -> Result<serde_json::Value> {
    let home = server.seen_from(address(192, 0, 2));
    let real = home.register("realuser").await?;
    // The real user's peer only needs to exist.
    server
        .seen_from(address(192, 0, 3))
        .register("realpeer")
        .await?;
    let stranger = server
        .seen_from(address(203, 0, 113))
        .register("stranger")
        .await?;
    let chat = home
        .connect(&real.token, Pos(0), None)
        .await?
        .start_chat("realpeer")
        .await?;
    let mut results = serde_json::Map::new();
    results.insert("quiet".into(), probe(&home, &real, chat).await?.json());

    // 1. 300 wrong passwords at once from one address.
    let (flood, probed) = tokio::join!(
        wrong_logins(
            server,
            300,
            |_| address(198, 51, 100),
            |_| "realuser".into()
        ),
        delayed_probe(&home, &real, chat),
    );
    results.insert("logins_one_address".into(), flood_json(flood, probed?));

    // 2. 300 wrong passwords at once on the user's account, each from its own address.
    let (flood, probed) = tokio::join!(
        wrong_logins(
            server,
            300,
            |i| address(198, 18, (i % 250) as u8 + 1),
            |_| "realuser".into()
        ),
        delayed_probe(&home, &real, chat),
    );
    results.insert("logins_many_addresses".into(), flood_json(flood, probed?));

    // 3. 300 logins at once for other accounts, each from its own address: the hashing line.
    let (flood, probed) = tokio::join!(
        wrong_logins(
            server,
            300,
            |i| address(198, 19, (i % 250) as u8 + 1),
            |i| format!("victim{i}")
        ),
        delayed_probe(&home, &real, chat),
    );
    results.insert("password_line".into(), flood_json(flood, probed?));

    // 4. A stranger's message flood at the user, and maximum-size messages in their history.
    let strangers_chat = server
        .seen_from(address(203, 0, 113))
        .connect(&stranger.token, Pos(0), None)
        .await?
        .start_chat("realuser")
        .await?;
    let (sent, probed) = tokio::join!(
        message_flood(server, &stranger, strangers_chat),
        delayed_probe(&home, &real, chat),
    );
    let (accepted, refused) = sent?;
    let mut entry = probed?.json();
    entry["flood_accepted"] = accepted.into();
    entry["flood_refused"] = refused.into();
    results.insert("messages".into(), entry);

    // 5. 1,000 sockets from one address.
    let flooder = server.seen_from(address(198, 51, 101));
    let (opened, probed) = tokio::join!(
        socket_flood(&flooder, 1000),
        delayed_probe(&home, &real, chat),
    );
    let mut entry = probed?.json();
    entry["sockets_opened"] = opened.0.into();
    entry["sockets_refused"] = opened.1.into();
    results.insert("sockets".into(), entry);

    results.insert(
        "server_peak_rss_kib".into(),
        crate::proc_status_kib(server_pid, "VmHWM")
            .unwrap_or(0)
            .into(),
    );
    Ok(json!({ "bench": "floods", "results": results }))
}

/// The probe, started just after its flood.
async fn delayed_probe(
    home: &Server,
    real: &SessionResponse,
    chat: ConversationId,
) -> Result<Probe> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    probe(home, real, chat).await
}

fn flood_json((refused, answered): (usize, usize), probed: Probe) -> serde_json::Value {
    let mut entry = probed.json();
    entry["flood_refused"] = refused.into();
    entry["flood_answered"] = answered.into();
    entry
}

/// The stranger sends 17 maximum-size messages, then as many small ones as it can in 3 s;
/// answers (accepted, refused).
async fn message_flood(
    server: &Server,
    stranger: &SessionResponse,
    chat: ConversationId,
) -> Result<(usize, usize)> {
    let mut conn = server
        .seen_from(address(203, 0, 113))
        .connect(&stranger.token, Pos(0), None)
        .await?;
    let big = "x".repeat(MAX_BODY_BYTES);
    let (mut accepted, mut refused) = (0, 0);
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let body = if i < 17 {
            big.clone()
        } else {
            format!("spam {i}")
        };
        i += 1;
        conn.send(&ClientFrame::Send {
            id: MessageId::new(),
            conversation_id: chat,
            body,
            attachment: None,
        })
        .await?;
        // Drain what came back without waiting for each.
        while let Some(frame) = conn.recv_timeout(Duration::from_millis(1)).await? {
            match frame {
                ServerFrame::Ack { .. } => accepted += 1,
                ServerFrame::Error { .. } => refused += 1,
                _ => {}
            }
        }
    }
    Ok((accepted, refused))
}

/// Opens `count` sockets at once (never authenticating); answers (opened, refused).
async fn socket_flood(server: &Server, count: usize) -> (usize, usize) {
    let opened: Vec<_> = stream::iter(0..count)
        .map(|_| server.open_socket())
        .buffer_unordered(256)
        .collect()
        .await;
    let ok = opened.iter().filter(|o| o.is_ok()).count();
    (ok, count - ok)
}
