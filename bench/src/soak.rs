//! The fault suite's load: pairs of clients send numbered messages through a server that xtask
//! kills (SIGKILL) and restarts at random moments, resending what was not acknowledged like the
//! app's outbox does; then every receiver syncs from the start and the messages are counted.

use crate::client::{Conn, Server};
use anyhow::{Result, bail};
use kontor_protocol::{ClientFrame, ConversationId, MessageId, Pos, ServerFrame};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How long a client waits before trying again when the server is down.
const RETRY: Duration = Duration::from_millis(100);
/// Silence after which a connection is taken for dead (the server was killed mid-write).
const SILENCE: Duration = Duration::from_secs(5);

/// One sender's numbered messages and which of them the server acknowledged.
struct Outbox {
    conversation: ConversationId,
    ids: Vec<MessageId>,
    acked: Vec<bool>,
}

/// Runs `pairs` senders of `messages / pairs` messages each, then checks every conversation.
pub async fn soak(
    server: &Server,
    messages: usize,
    pairs: usize,
    window: usize,
) -> Result<serde_json::Value> {
    let per_pair = messages / pairs;
    let senders = server.register_many("soaks", pairs).await?;
    let receivers = server.register_many("soakr", pairs).await?;
    let mut outboxes = Vec::new();
    for (i, sender) in senders.iter().enumerate() {
        let mut conn = connect_retrying(server, sender, Pos(0)).await?;
        let conversation = conn.start_chat(&format!("soakr{i}")).await?;
        outboxes.push(Outbox {
            conversation,
            ids: (0..per_pair).map(|_| MessageId::new()).collect(),
            acked: vec![false; per_pair],
        });
    }
    // xtask starts killing the server when it reads this line, and stops at the next.
    println!("soak: sending");
    let started = Instant::now();
    let tasks: Vec<_> = senders
        .into_iter()
        .zip(outboxes)
        .map(|(sender, outbox)| {
            let server = server.clone();
            tokio::spawn(async move { send_all(&server, &sender, outbox, window).await })
        })
        .collect();
    let mut outboxes = Vec::new();
    let mut reconnects = 0;
    for task in tasks {
        let (outbox, again) = task.await??;
        reconnects += again;
        outboxes.push(outbox);
    }
    let send_seconds = started.elapsed().as_secs_f64();
    println!("soak: checking");

    // Every receiver syncs from the start: each acknowledged message once, in sending order.
    let (mut lost, mut duplicated, mut out_of_order, mut received) = (0, 0, 0, 0);
    for (receiver, outbox) in receivers.iter().zip(&outboxes) {
        let got = everything(server, receiver, outbox.conversation).await?;
        received += got.len();
        let index: HashMap<MessageId, usize> = outbox
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        let mut seen = HashSet::new();
        let mut last = None;
        for id in &got {
            if !seen.insert(*id) {
                duplicated += 1;
            }
            let Some(&i) = index.get(id) else {
                bail!("a message nobody sent arrived");
            };
            if last.is_some_and(|l| i <= l) {
                out_of_order += 1;
            }
            last = Some(i);
        }
        lost += outbox
            .ids
            .iter()
            .zip(&outbox.acked)
            .filter(|(id, acked)| **acked && !seen.contains(*id))
            .count();
    }
    let acked: usize = outboxes
        .iter()
        .map(|o| o.acked.iter().filter(|a| **a).count())
        .sum();
    Ok(json!({
        "bench": "soak",
        "messages": per_pair * pairs,
        "pairs": pairs,
        "acknowledged": acked,
        "received": received,
        "acknowledged_lost": lost,
        "duplicated": duplicated,
        "out_of_order": out_of_order,
        "reconnects": reconnects,
        "send_seconds": send_seconds,
    }))
}

/// Connects from `since` (after catch-up), trying again while the server is down.
async fn connect_retrying(
    server: &Server,
    account: &kontor_protocol::api::SessionResponse,
    since: Pos,
) -> Result<Conn> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match server.connect(&account.token, since, None).await {
            Ok(conn) => return Ok(conn),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(RETRY).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sends the outbox in order with up to `window` unacknowledged; after a lost connection,
/// reconnects and sends again everything not acknowledged, oldest first (the same ids: the
/// server stores each once). Answers the outbox and how many times it reconnected.
async fn send_all(
    server: &Server,
    sender: &kontor_protocol::api::SessionResponse,
    mut outbox: Outbox,
    window: usize,
) -> Result<(Outbox, usize)> {
    let index: HashMap<MessageId, usize> = outbox
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut reconnects = 0;
    // Where the sender resumes, as the app keeps it: catching up from the start after every
    // restart would grow with the history and never finish between two kills.
    let mut cursor = Pos(0);
    loop {
        let Some(first) = outbox.acked.iter().position(|a| !a) else {
            return Ok((outbox, reconnects));
        };
        let mut conn = connect_retrying(server, sender, cursor).await?;
        cursor = cursor.max(conn.cursor);
        // Catch-up may hold acks of messages this sender's last connection sent: the server
        // answers them again when they are resent, so they are simply sent again.
        let mut next = first;
        let mut in_flight = 0;
        let broke = loop {
            while in_flight < window && next < outbox.ids.len() {
                if !outbox.acked[next] {
                    let frame = ClientFrame::Send {
                        id: outbox.ids[next],
                        conversation_id: outbox.conversation,
                        body: format!("soak {next}"),
                        attachment: None,
                    };
                    if conn.send(&frame).await.is_err() {
                        break;
                    }
                    in_flight += 1;
                }
                next += 1;
            }
            if in_flight == 0 && next >= outbox.ids.len() {
                break false;
            }
            match conn.recv_timeout(SILENCE).await {
                Ok(Some(ServerFrame::Ack { id, pos, .. })) => {
                    cursor = cursor.max(pos);
                    if let Some(&i) = index.get(&id)
                        && !outbox.acked[i]
                    {
                        outbox.acked[i] = true;
                        in_flight -= 1;
                    }
                }
                Ok(Some(ServerFrame::Error { message, .. })) => {
                    // Refused while the server restarts ("unavailable"): resent after reconnecting.
                    let _ = message;
                    break true;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break true,
            }
        };
        if broke {
            reconnects += 1;
        }
    }
}

/// Every message of `conversation` the receiver gets when syncing from the start, in order.
async fn everything(
    server: &Server,
    receiver: &kontor_protocol::api::SessionResponse,
    conversation: ConversationId,
) -> Result<Vec<MessageId>> {
    let deadline = Instant::now() + Duration::from_secs(300);
    'again: loop {
        let mut conn = server.open_retrying(deadline).await?;
        if conn
            .send(&ClientFrame::Hello {
                token: receiver.token.clone(),
                since: Pos(0),
            })
            .await
            .is_err()
        {
            continue;
        }
        let mut ids = Vec::new();
        loop {
            match conn.recv_timeout(Duration::from_secs(60)).await {
                Ok(Some(ServerFrame::Messages { messages })) => ids.extend(
                    messages
                        .into_iter()
                        .filter(|m| m.conversation_id == conversation)
                        .map(|m| m.id),
                ),
                Ok(Some(ServerFrame::SyncDone { .. })) => return Ok(ids),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) if Instant::now() < deadline => continue 'again,
                Ok(None) | Err(_) => bail!("the receiver could not sync"),
            }
        }
    }
}
