//! A minimal Kontor client for load generation: HTTP registration and WebSocket connections
//! with small buffers, so the generator itself can hold many of them.

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{SinkExt, StreamExt, stream};
use kontor_protocol::api::{RegisterRequest, SessionResponse};
use kontor_protocol::{
    ClientFrame, ConversationId, MessageId, Pos, RequestId, ServerFrame, SessionToken,
};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The password of every account the benchmarks register.
pub const PASSWORD: &str = "benchmark password";
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// The server under test.
#[derive(Clone)]
pub struct Server {
    base: String,
    addr: SocketAddr,
    http: reqwest::Client,
    /// The client address a trusted proxy would name (`X-Forwarded-For`), if any.
    forwarded_for: Option<IpAddr>,
}

impl Server {
    pub fn new(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        let addr = base
            .trim_start_matches("http://")
            .parse()
            .expect("--url is http://IP:PORT");
        Self {
            base,
            addr,
            http: reqwest::Client::new(),
            forwarded_for: None,
        }
    }

    /// The same server, reached as if from `ip` behind a proxy it trusts: every request and
    /// WebSocket handshake says `X-Forwarded-For: ip`.
    pub fn seen_from(&self, ip: IpAddr) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(value) = ip.to_string().parse() {
            headers.insert("x-forwarded-for", value);
        }
        Self {
            http: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap_or_default(),
            forwarded_for: Some(ip),
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client (with this server's `X-Forwarded-For`, if any).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Registers one account (display name = handle) with [`PASSWORD`].
    pub async fn register(&self, handle: &str) -> Result<SessionResponse> {
        self.register_as(handle.into(), handle.into()).await
    }

    async fn register_as(&self, handle: String, display_name: String) -> Result<SessionResponse> {
        let req = RegisterRequest {
            handle,
            display_name,
            password: PASSWORD.into(),
        };
        let res = self
            .http
            .post(format!("{}/api/register", self.base))
            .json(&req)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("register {}: {}", req.handle, res.text().await?);
        }
        Ok(res.json::<SessionResponse>().await?)
    }

    /// Registers `n` accounts named `{prefix}{i}`, a few at a time.
    pub async fn register_many(&self, prefix: &str, n: usize) -> Result<Vec<SessionResponse>> {
        stream::iter(0..n)
            .map(|i| self.register_as(format!("{prefix}{i}"), format!("{prefix} {i}")))
            .buffered(4)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    /// POSTs JSON with a session token; fails unless the answer is a success.
    pub async fn post_json(
        &self,
        path: &str,
        token: &SessionToken,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&token.0)
            .json(body)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("POST {path}: {}", res.text().await?);
        }
        Ok(res.json().await?)
    }

    /// A file as served to a browser that accepts brotli and gzip: (decoded body if plain,
    /// bytes on the wire).
    pub async fn fetch(&self, path: &str) -> Result<(Vec<u8>, usize)> {
        let raw = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept-encoding", "br, gzip")
            .send()
            .await?;
        let compressed = raw.headers().contains_key("content-encoding");
        let wire = raw.bytes().await?.to_vec();
        let len = wire.len();
        let body = if compressed {
            // Only the shell's text is needed, to find the files it loads.
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await?
                .bytes()
                .await?
                .to_vec()
        } else {
            wire
        };
        Ok((body, len))
    }

    /// Live connections as the server counts them.
    pub async fn connections(&self) -> Result<u64> {
        let v: serde_json::Value = self
            .http
            .get(format!("{}/api/health", self.base))
            // Figures are for the operator; xtask gives the load generator the server's secret.
            .bearer_auth(std::env::var("KONTOR_OPERATOR_TOKEN").unwrap_or_default())
            .send()
            .await?
            .json()
            .await?;
        v["connections"].as_u64().context("no count")
    }

    /// Opens a WebSocket (not yet authenticated), trying again until `deadline` while the
    /// server is down.
    pub async fn open_retrying(&self, deadline: std::time::Instant) -> Result<Conn> {
        loop {
            match self.open(None).await {
                Ok(conn) => return Ok(conn),
                Err(_) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Opens a WebSocket without authenticating.
    pub async fn open_socket(&self) -> Result<Conn> {
        self.open(None).await
    }

    async fn open(&self, source: Option<IpAddr>) -> Result<Conn> {
        let socket = TcpSocket::new_v4()?;
        if let Some(ip) = source {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let tcp = socket.connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let mut request = format!("ws://{}/ws", self.addr).into_client_request()?;
        if let Some(ip) = self.forwarded_for {
            request
                .headers_mut()
                .insert("x-forwarded-for", ip.to_string().parse()?);
        }
        let (ws, _) = client_async_with_config(request, tcp, Some(config)).await?;
        Ok(Conn { ws, cursor: Pos(0) })
    }

    /// Connects, authenticates and waits for the end of catch-up.
    pub async fn connect(
        &self,
        token: &SessionToken,
        since: Pos,
        source: Option<IpAddr>,
    ) -> Result<Conn> {
        Ok(self.catch_up_from(token, since, source).await?.0)
    }

    /// Connects with a cursor and counts the messages received until `sync_done`.
    pub async fn catch_up(&self, token: &SessionToken, since: Pos) -> Result<(Conn, usize)> {
        self.catch_up_from(token, since, None).await
    }

    async fn catch_up_from(
        &self,
        token: &SessionToken,
        since: Pos,
        source: Option<IpAddr>,
    ) -> Result<(Conn, usize)> {
        let mut conn = self.open(source).await?;
        conn.send(&ClientFrame::Hello {
            token: token.clone(),
            since,
        })
        .await?;
        let mut received = 0;
        loop {
            match conn.recv_timeout(Duration::from_secs(60)).await? {
                Some(ServerFrame::SyncDone { pos }) => {
                    conn.cursor = pos;
                    return Ok((conn, received));
                }
                Some(ServerFrame::Messages { messages }) => received += messages.len(),
                Some(ServerFrame::Error { message, .. }) => bail!("refused: {message}"),
                Some(_) => {}
                None => bail!("no sync_done within 60 s"),
            }
        }
    }
}

/// One WebSocket connection.
pub struct Conn {
    ws: WebSocketStream<TcpStream>,
    /// Resume cursor after catch-up.
    pub cursor: Pos,
}

impl Conn {
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<()> {
        let text = serde_json::to_string(frame)?;
        self.ws.send(Message::Text(text.into())).await?;
        Ok(())
    }

    /// Sends one message and waits (30 s at most) for its ack; fails when it is refused.
    pub async fn send_acked(&mut self, chat: ConversationId, body: String) -> Result<()> {
        let id = MessageId::new();
        self.send(&ClientFrame::Send {
            id,
            conversation_id: chat,
            body,
            attachment: None,
        })
        .await?;
        loop {
            match self.recv_timeout(Duration::from_secs(30)).await? {
                Some(ServerFrame::Ack { id: acked, .. }) if acked == id => return Ok(()),
                Some(ServerFrame::Error {
                    message_id: Some(m),
                    message,
                    ..
                }) if m == id => bail!("message refused: {message}"),
                Some(_) => {}
                None => bail!("no ack in 30 s"),
            }
        }
    }

    /// The next protocol frame, or None after `wait`.
    pub async fn recv_timeout(&mut self, wait: Duration) -> Result<Option<ServerFrame>> {
        loop {
            let next = match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(next) => next,
                Err(_) => return Ok(None),
            };
            match next {
                Some(Ok(Message::Text(text))) => return Ok(Some(serde_json::from_str(&text)?)),
                Some(Ok(Message::Close(c))) => return Err(anyhow!("closed: {c:?}")),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Err(anyhow!("closed")),
            }
        }
    }

    pub async fn start_chat(&mut self, handle: &str) -> Result<ConversationId> {
        let request_id = RequestId::new();
        self.send(&ClientFrame::StartChat {
            request_id,
            handle: handle.into(),
        })
        .await?;
        loop {
            match self.recv_timeout(Duration::from_secs(30)).await? {
                Some(ServerFrame::ChatStarted { conversation, .. }) => return Ok(conversation.id),
                Some(ServerFrame::Error { message, .. }) => bail!("start chat: {message}"),
                Some(_) => {}
                None => bail!("no answer to start chat"),
            }
        }
    }

    /// Keeps the connection open and alive (a ping every 30 s) in its own task.
    pub fn keep_alive(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut nonce = 0;
            loop {
                match self.recv_timeout(Duration::from_secs(30)).await {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        nonce += 1;
                        if self.send(&ClientFrame::Ping { nonce }).await.is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        })
    }
}
