//! Seeding for the browser benchmarks: one reader with many chats, one very long chat, and a
//! business (owned by the reader) with many customer conversations. Prints the reader's session
//! and the ids the browser script needs, as one JSON line.

use crate::client::Server;
use anyhow::{Result, bail};
use futures_util::{StreamExt, stream};
use kontor_protocol::api::SessionResponse;
use kontor_protocol::{ClientFrame, ConversationId, MessageId, Pos, ServerFrame};
use serde_json::json;
use std::time::Duration;

/// Sends `count` messages in one conversation, pipelined, waiting for every ack.
pub async fn send_many(
    server: &Server,
    sender: &SessionResponse,
    conversation: ConversationId,
    count: usize,
    label: &str,
    since: Pos,
) -> Result<Pos> {
    let mut conn = server.connect(&sender.token, since, None).await?;
    let window = 512;
    let (mut sent, mut acked) = (0usize, 0usize);
    let mut last = since;
    while acked < count {
        while sent < count && sent - acked < window {
            conn.send(&ClientFrame::Send {
                id: MessageId::new(),
                conversation_id: conversation,
                body: format!("{label} {sent}"),
                attachment: None,
            })
            .await?;
            sent += 1;
        }
        match conn.recv_timeout(Duration::from_secs(30)).await? {
            Some(ServerFrame::Ack { pos, .. }) => {
                acked += 1;
                last = last.max(pos);
            }
            Some(ServerFrame::Error { message, .. }) => bail!("send refused: {message}"),
            Some(_) => {}
            None => bail!("no ack within 30 s"),
        }
    }
    Ok(last)
}

/// Starts (or finds) `who`'s chat with `handle` and sends one message, waiting for its ack.
async fn start_and_say(
    server: &Server,
    who: &SessionResponse,
    handle: &str,
    body: String,
) -> Result<ConversationId> {
    let mut conn = server.connect(&who.token, Pos(0), None).await?;
    let chat = conn.start_chat(handle).await?;
    conn.send_acked(chat, body).await?;
    Ok(chat)
}

/// Creates the reader's world; see the module docs.
pub async fn seed(
    server: &Server,
    chats: usize,
    long: usize,
    customers: usize,
) -> Result<serde_json::Value> {
    let reader = server.register_many("reader", 1).await?.remove(0);
    let peers = server.register_many("peer", chats).await?;
    // Each peer starts a chat with the reader and says hello.
    let results: Vec<Result<ConversationId>> = stream::iter(peers.iter())
        .map(|peer| {
            let body = format!("Hello from {}", peer.user.display_name);
            start_and_say(server, peer, reader.user.handle.as_str(), body)
        })
        // In order: `chat_ids[i]` is the chat of `peers[i]`.
        .buffered(32)
        .collect()
        .await;
    let chat_ids: Vec<ConversationId> = results.into_iter().collect::<Result<_>>()?;
    // The long chat: the last peer writes `long` messages.
    let long_peer = peers.last().ok_or_else(|| anyhow::anyhow!("no peers"))?;
    let long_chat = *chat_ids.last().ok_or_else(|| anyhow::anyhow!("no chats"))?;
    // Where the long peer's own stream stands: it resumes from here to send live messages
    // later, instead of first catching up on the 100,000 it wrote.
    let long_peer_since = send_many(
        server,
        long_peer,
        long_chat,
        long,
        "long chat message",
        Pos(0),
    )
    .await?;

    // The business and its customers.
    let business_handle = "bench.shop";
    server
        .post_json(
            "/api/businesses",
            &reader.token,
            &json!({
                "handle": business_handle, "name": "Bench Shop", "category": "retail",
            }),
        )
        .await?;
    let customers = server.register_many("customer", customers).await?;
    let outcome: Vec<Result<ConversationId>> = stream::iter(customers.iter())
        .map(|customer| {
            let body = format!("Question from {}", customer.user.display_name);
            start_and_say(server, customer, business_handle, body)
        })
        .buffer_unordered(32)
        .collect()
        .await;
    outcome.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(json!({
        "session": reader,
        "long_chat": long_chat,
        "long_peer_token": long_peer.token,
        "long_peer_since": long_peer_since,
        "long_peer_name": long_peer.user.display_name,
        "business": business_handle,
        "chats": chats,
        "long_messages": long,
        "customers": customers.len(),
    }))
}
