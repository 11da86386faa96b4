//! `kontor-bench`: the load generator behind `cargo xtask bench`.
//!
//! Each subcommand drives a running server over loopback with real WebSocket clients and prints
//! one JSON line of results. xtask starts the server, runs this as a separate process, repeats
//! runs and writes BENCHMARKS.md.

mod client;
mod floods;
mod logins;
mod seed;
mod soak;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use client::{Conn, Server};
use futures_util::{StreamExt, stream};
use kontor_protocol::{ClientFrame, ConversationId, MessageId, Pos, ServerFrame};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Parser)]
#[command(
    name = "kontor-bench",
    about = "Load generator for Kontor's benchmarks"
)]
struct Cli {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Opens many authenticated connections and keeps them idle; reports the server's memory.
    Idle {
        /// Connections to open.
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// Accounts they belong to (each has many devices).
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Loopback source addresses to spread over (about 28,000 ports each).
        #[arg(long, default_value_t = 8)]
        sources: u8,
        /// The server's process id, to read its memory.
        #[arg(long)]
        server_pid: u32,
    },
    /// Pairs of clients send as fast as acknowledgements allow, or at a fixed total rate.
    Throughput {
        /// Clients (half of them start a chat with the other half).
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Messages in flight per client (ignored with --rate).
        #[arg(long, default_value_t = 16)]
        window: usize,
        /// Total messages per second across all clients; 0 = as fast as acks allow.
        #[arg(long, default_value_t = 0)]
        rate: u64,
        /// How long to measure.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Bytes on the wire for a first visit: the shell and every file it loads, compressed as
    /// served.
    Bytes,
    /// A client comes back to this many missed messages.
    Catchup {
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
    },
    /// A burst of logins (each an argon2id check); reports the server's memory before and after.
    Logins {
        /// Logins in all.
        #[arg(long, default_value_t = 600)]
        count: usize,
        /// Logins at once.
        #[arg(long, default_value_t = 4)]
        in_flight: usize,
        /// The server's process id, to read its memory.
        #[arg(long)]
        server_pid: u32,
    },
    /// Seeds a reader with many chats, a long chat and a business inbox (browser benchmarks).
    Seed {
        /// Chats with other people.
        #[arg(long, default_value_t = 1000)]
        chats: usize,
        /// Messages in the last chat.
        #[arg(long, default_value_t = 100_000)]
        long: usize,
        /// Customer conversations in the reader's business inbox.
        #[arg(long, default_value_t = 10_000)]
        customers: usize,
    },
    /// Floods of each kind against a server with its default limits, each with a real user
    /// logging in, syncing and sending during it.
    Floods {
        /// The server's process id, to read its peak memory.
        #[arg(long)]
        server_pid: u32,
    },
    /// Pairs send numbered messages while xtask kills and restarts the server; then counts what
    /// arrived (the fault suite).
    Soak {
        /// Messages in all.
        #[arg(long, default_value_t = 1_000_000)]
        messages: usize,
        /// Sender and receiver pairs, one conversation each.
        #[arg(long, default_value_t = 100)]
        pairs: usize,
        /// Unacknowledged messages per sender.
        #[arg(long, default_value_t = 32)]
        window: usize,
    },
    /// Sends messages in a conversation from an account (live traffic for a browser benchmark).
    Send {
        /// The sender's session token.
        #[arg(long)]
        token: String,
        /// The conversation.
        #[arg(long)]
        conversation: String,
        /// How many.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// The sender's resume cursor (what it has seen already is not sent to it again).
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let server = Server::new(&cli.url);
    let result = match cli.bench {
        Bench::Idle {
            connections,
            users,
            sources,
            server_pid,
        } => idle(&server, connections, users, sources, server_pid).await?,
        Bench::Throughput {
            clients,
            window,
            rate,
            seconds,
        } => throughput(&server, clients, window, rate, seconds).await?,
        Bench::Catchup { messages } => catchup(&server, messages).await?,
        Bench::Bytes => first_visit_bytes(&server).await?,
        Bench::Logins {
            count,
            in_flight,
            server_pid,
        } => logins::logins(&server, count, in_flight, server_pid).await?,
        Bench::Floods { server_pid } => floods::floods(&server, server_pid).await?,
        Bench::Soak {
            messages,
            pairs,
            window,
        } => soak::soak(&server, messages, pairs, window).await?,
        Bench::Seed {
            chats,
            long,
            customers,
        } => seed::seed(&server, chats, long, customers).await?,
        Bench::Send {
            token,
            conversation,
            count,
            since,
        } => {
            let sender = kontor_protocol::api::SessionResponse {
                token: kontor_protocol::SessionToken(token),
                user: kontor_protocol::User::person(
                    kontor_protocol::UserId::new(),
                    kontor_protocol::Handle::parse("sender").expect("valid handle"),
                    String::new(),
                ),
            };
            let conversation = conversation.parse().context("conversation id")?;
            let started = Instant::now();
            let last = seed::send_many(
                &server,
                &sender,
                conversation,
                count,
                "live message",
                kontor_protocol::Pos(since),
            )
            .await?;
            // `last_pos`: where the sender's next run resumes (not catching up on these again).
            json!({
                "bench": "send",
                "count": count,
                "seconds": started.elapsed().as_secs_f64(),
                "last_pos": last.0,
            })
        }
    };
    println!("{result}");
    Ok(())
}

/// A figure in KiB from `/proc/{pid}/status` (`VmRSS`: memory now, `VmHWM`: its peak).
pub(crate) fn proc_status_kib(pid: u32, key: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {key} for process {pid}"))
}

async fn idle(
    server: &Server,
    connections: usize,
    users: usize,
    sources: u8,
    pid: u32,
) -> Result<serde_json::Value> {
    let accounts = server.register_many("idle", users).await?;
    let open = |range: std::ops::Range<usize>| {
        let accounts = &accounts;
        async move {
            stream::iter(range)
                .map(|i| {
                    let token = accounts[i % accounts.len()].token.clone();
                    let last = 1 + (i % sources as usize) as u8;
                    let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
                    async move { server.connect(&token, Pos(0), Some(source)).await }
                })
                .buffer_unordered(256)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<Conn>>>()
        }
    };
    // Memory is measured between 10 % and 100 % of the connections, so one-off allocations
    // (registration's password hashing, the first buffers) do not count per connection.
    let started = Instant::now();
    let first = connections / 10;
    let mut keepers: Vec<_> = open(0..first)
        .await?
        .into_iter()
        .map(Conn::keep_alive)
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = proc_status_kib(pid, "VmRSS")?;
    keepers.extend(
        open(first..connections)
            .await?
            .into_iter()
            .map(Conn::keep_alive),
    );
    let open_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = proc_status_kib(pid, "VmRSS")?;
    let health = server.connections().await?;
    drop(keepers);
    Ok(json!({
        "bench": "idle",
        "connections": connections,
        "server_counted": health,
        "open_seconds": open_seconds,
        "server_rss_before_kib": before,
        "server_rss_after_kib": after,
        "kib_per_connection": after.saturating_sub(before) as f64 / (connections - first) as f64,
    }))
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

async fn throughput(
    server: &Server,
    clients: usize,
    window: usize,
    rate: u64,
    seconds: u64,
) -> Result<serde_json::Value> {
    let pairs = clients / 2;
    let left = server.register_many("left", pairs).await?;
    let right = server.register_many("right", pairs).await?;
    // Open all connections and chats first.
    let mut conns = Vec::with_capacity(clients);
    let mut chats = Vec::with_capacity(pairs);
    for (l, r) in left.iter().zip(&right) {
        let mut a = server.connect(&l.token, Pos(0), None).await?;
        let b = server.connect(&r.token, Pos(0), None).await?;
        chats.push(a.start_chat(r.user.handle.as_str()).await?);
        conns.push(a);
        conns.push(b);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let per_client_interval =
        (rate > 0).then(|| Duration::from_secs_f64(clients as f64 / rate as f64));
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, conn)| {
            let chat = chats[i / 2];
            // Spread the clients' send times evenly over one interval: a steady total rate, not
            // a burst of every client at once each interval.
            let phase = per_client_interval
                .map(|every| every.mul_f64(i as f64 / clients as f64))
                .unwrap_or_default();
            tokio::spawn(drive(
                conn,
                chat,
                window,
                per_client_interval,
                phase,
                deadline,
            ))
        })
        .collect();
    let mut acked = 0u64;
    let mut latencies = Vec::new();
    for t in tasks {
        let (a, l) = t.await??;
        acked += a;
        latencies.extend(l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        latencies[((latencies.len() - 1) as f64 * p) as usize] as f64 / 1000.0
    };
    Ok(json!({
        "bench": "throughput",
        "clients": clients,
        "target_rate": rate,
        "acked": acked,
        "acked_per_second": acked as f64 / elapsed,
        "delivered": latencies.len(),
        "latency_p50_ms": pct(0.5),
        "latency_p99_ms": pct(0.99),
    }))
}

/// One client: keeps `window` sends in flight (or sends at a fixed interval) until the
/// deadline, and measures send→receive latency of what it receives.
async fn drive(
    mut conn: Conn,
    chat: ConversationId,
    window: usize,
    interval: Option<Duration>,
    phase: Duration,
    deadline: Instant,
) -> Result<(u64, Vec<u64>)> {
    let mut in_flight = 0usize;
    let mut acked = 0u64;
    let mut latencies = Vec::new();
    let mut next_send = Instant::now() + phase;
    let frame = || ClientFrame::Send {
        id: MessageId::new(),
        conversation_id: chat,
        body: now_micros().to_string(),
        attachment: None,
    };
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        match interval {
            None => {
                while in_flight < window {
                    conn.send(&frame()).await?;
                    in_flight += 1;
                }
            }
            Some(every) if now >= next_send => {
                conn.send(&frame()).await?;
                next_send += every;
            }
            Some(_) => {}
        }
        let wait = match interval {
            Some(_) => next_send
                .min(deadline)
                .saturating_duration_since(Instant::now()),
            None => deadline.saturating_duration_since(Instant::now()),
        };
        match conn.recv_timeout(wait).await? {
            Some(ServerFrame::Ack { .. }) => {
                acked += 1;
                in_flight = in_flight.saturating_sub(1);
            }
            Some(ServerFrame::Messages { messages }) => {
                let now = now_micros();
                for m in messages {
                    if let Ok(sent) = m.body.parse::<u64>() {
                        latencies.push(now.saturating_sub(sent));
                    }
                }
            }
            _ => {}
        }
    }
    Ok((acked, latencies))
}

async fn catchup(server: &Server, messages: usize) -> Result<serde_json::Value> {
    let users = server.register_many("catchup", 2).await?;
    let mut sender = server.connect(&users[0].token, Pos(0), None).await?;
    let chat = sender.start_chat(users[1].user.handle.as_str()).await?;
    let receiver = server.connect(&users[1].token, Pos(0), None).await?;
    let cursor = receiver.cursor;
    drop(receiver);
    // Fill the gap, pipelined.
    let window = 512;
    let (mut sent, mut acked) = (0usize, 0usize);
    while acked < messages {
        while sent < messages && sent - acked < window {
            sender
                .send(&ClientFrame::Send {
                    id: MessageId::new(),
                    conversation_id: chat,
                    body: format!("missed message number {sent}"),
                    attachment: None,
                })
                .await?;
            sent += 1;
        }
        if let Some(ServerFrame::Ack { .. }) = sender.recv_timeout(Duration::from_secs(30)).await? {
            acked += 1;
        }
    }
    let started = Instant::now();
    let (back, received) = server.catch_up(&users[1].token, cursor).await?;
    let seconds = started.elapsed().as_secs_f64();
    drop(back);
    Ok(json!({
        "bench": "catchup",
        "missed": messages,
        "received": received,
        "seconds": seconds,
    }))
}

/// The bytes on the wire of a first visit (`/`, the public pages' bundle), and of the messenger
/// (`/chats`) and the business dashboard (`/biz`), each its own bundle, when first opened.
async fn first_visit_bytes(server: &Server) -> Result<serde_json::Value> {
    let files = page_files(server, "/").await?;
    let messenger = page_files(server, "/chats").await?;
    let business = page_files(server, "/biz").await?;
    let total = |files: &[(String, usize)]| files.iter().map(|(_, b)| b).sum::<usize>();
    let list = |files: &[(String, usize)]| {
        files
            .iter()
            .map(|(p, b)| json!({"path": p, "bytes": b}))
            .collect::<Vec<_>>()
    };
    Ok(json!({
        "bench": "bytes",
        "total_bytes": total(&files),
        "files": list(&files),
        "messenger_bytes": total(&messenger),
        "messenger_files": list(&messenger),
        "business_bytes": total(&business),
        "business_files": list(&business),
    }))
}

/// Fetches a page, then each script, wasm and stylesheet it references, as a browser would
/// (brotli accepted): each file's bytes on the wire.
async fn page_files(server: &Server, page: &str) -> Result<Vec<(String, usize)>> {
    let (shell, shell_bytes) = server.fetch(page).await?;
    let shell = String::from_utf8_lossy(&shell).into_owned();
    let mut files = vec![(page.to_string(), shell_bytes)];
    for attr in ["href=\"", "src=\"", "module_or_path: '", "from '"] {
        for part in shell.split(attr).skip(1) {
            let end = part.find(['"', '\'']).unwrap_or(0);
            let path = &part[..end];
            let wanted = [".js", ".wasm", ".css"].iter().any(|e| path.ends_with(e));
            if path.starts_with('/') && wanted && !files.iter().any(|(p, _)| p == path) {
                let (_, bytes) = server.fetch(path).await?;
                files.push((path.to_string(), bytes));
            }
        }
    }
    Ok(files)
}
