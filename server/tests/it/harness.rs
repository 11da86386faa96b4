//! Test harness: the real server binary on an ephemeral port with a temporary SQLite file, and
//! real WebSocket clients.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use kontor_protocol::api::{ApiError, LoginRequest, RegisterRequest, SessionResponse};
use kontor_protocol::{
    ClientFrame, Conversation, ConversationId, Message, MessageId, Pos, RequestId, ServerFrame,
    SessionToken,
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an expected frame before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running `kontor-server` process.
pub struct TestServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub data_dir: PathBuf,
}

impl TestServer {
    /// Starts the server binary with its database in `data_dir`.
    pub fn start(data_dir: &Path) -> Self {
        Self::start_with_app(data_dir, &data_dir.join("no-app"))
    }

    /// Starts the server serving the web app files in `app_dir`.
    pub fn start_with_app(data_dir: &Path, app_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kontor-server"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .arg("--static-dir")
            .arg(app_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kontor-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read server output");
        let base = line
            .trim()
            .strip_prefix("Kontor is running at ")
            .unwrap_or_else(|| panic!("unexpected server output: {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Self {
            child,
            base,
            data_dir: data_dir.to_owned(),
        }
    }

    /// SIGKILL: no shutdown code runs, like a crash or power cut of the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn ws_url(&self) -> String {
        format!("{}/ws", self.base.replace("http://", "ws://"))
    }

    pub async fn register(&self, handle: &str, name: &str) -> SessionResponse {
        self.try_register(handle, name, "correct horse battery")
            .await
            .unwrap_or_else(|e| panic!("register {handle}: {e:?}"))
    }

    pub async fn try_register(
        &self,
        handle: &str,
        name: &str,
        password: &str,
    ) -> Result<SessionResponse, (u16, ApiError)> {
        let req = RegisterRequest {
            handle: handle.into(),
            display_name: name.into(),
            password: password.into(),
        };
        self.post("/api/register", &req).await
    }

    pub async fn login(
        &self,
        handle: &str,
        password: &str,
    ) -> Result<SessionResponse, (u16, ApiError)> {
        let req = LoginRequest {
            handle: handle.into(),
            password: password.into(),
        };
        self.post("/api/login", &req).await
    }

    async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        body: &T,
    ) -> Result<SessionResponse, (u16, ApiError)> {
        let res = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("http request");
        let status = res.status().as_u16();
        if res.status().is_success() {
            Ok(res.json().await.expect("session json"))
        } else {
            Err((status, res.json().await.expect("error json")))
        }
    }

    pub async fn logout(&self, token: &SessionToken) -> u16 {
        reqwest::Client::new()
            .post(format!("{}/api/logout", self.base))
            .bearer_auth(&token.0)
            .send()
            .await
            .expect("http request")
            .status()
            .as_u16()
    }

    /// Connects and authenticates; returns after `sync_done`, with what the catch-up held.
    pub async fn connect(&self, token: &SessionToken, since: Pos) -> (Client, Vec<ServerFrame>) {
        let mut client = Client::open(&self.ws_url()).await;
        client
            .send(&ClientFrame::Hello {
                token: token.clone(),
                since,
            })
            .await;
        let ready = client.recv().await;
        assert!(matches!(ready, ServerFrame::Ready { .. }), "got {ready:?}");
        let mut frames = Vec::new();
        loop {
            match client.recv().await {
                ServerFrame::SyncDone { pos } => {
                    client.cursor = client.cursor.max(pos);
                    break;
                }
                frame => {
                    if let Some(pos) = frame.pos() {
                        client.cursor = client.cursor.max(pos);
                    }
                    frames.push(frame);
                }
            }
        }
        (client, frames)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebSocket client speaking the Kontor protocol.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub cursor: Pos,
}

impl Client {
    pub async fn open(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        Self { ws, cursor: Pos(0) }
    }

    /// Opens with an explicit Origin header; returns the handshake error if refused.
    pub async fn open_with_origin(url: &str, origin: &str) -> Result<Self, tungstenite::Error> {
        let mut req = url.into_client_request().expect("request");
        req.headers_mut()
            .insert("origin", origin.parse().expect("header"));
        let (ws, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(Self { ws, cursor: Pos(0) })
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).expect("encode");
        self.send_raw(&text).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws
            .send(WsMessage::Text(text.into()))
            .await
            .expect("send");
    }

    /// The next protocol frame (pings skipped); panics on timeout or close.
    pub async fn recv(&mut self) -> ServerFrame {
        match self.try_recv(WAIT).await {
            Ok(frame) => frame,
            Err(e) => panic!("expected a frame: {e}"),
        }
    }

    /// The next frame, or why there is none (timeout, close).
    pub async fn try_recv(&mut self, wait: Duration) -> Result<ServerFrame, String> {
        loop {
            let next = tokio::time::timeout(wait, self.ws.next())
                .await
                .map_err(|_| "timeout".to_string())?;
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    let frame: ServerFrame = serde_json::from_str(&text).expect("server frame");
                    if let Some(pos) = frame.pos() {
                        self.cursor = self.cursor.max(pos);
                    }
                    return Ok(frame);
                }
                Some(Ok(WsMessage::Close(c))) => return Err(format!("closed: {c:?}")),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(format!("error: {e}")),
                None => return Err("closed".into()),
            }
        }
    }

    /// Skips frames until one matches.
    pub async fn recv_until(&mut self, mut f: impl FnMut(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv().await;
            if f(&frame) {
                return frame;
            }
        }
    }

    /// Asserts nothing arrives for a moment (other than pongs).
    pub async fn expect_silence(&mut self, wait: Duration) {
        match self.try_recv(wait).await {
            Err(e) if e == "timeout" => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    pub async fn start_chat(&mut self, handle: &str) -> Conversation {
        let request_id = RequestId::new();
        self.send(&ClientFrame::StartChat {
            request_id,
            handle: handle.into(),
        })
        .await;
        match self
            .recv_until(|f| {
                matches!(
                    f,
                    ServerFrame::ChatStarted { .. } | ServerFrame::Error { .. }
                )
            })
            .await
        {
            ServerFrame::ChatStarted {
                request_id: r,
                conversation,
                ..
            } => {
                assert_eq!(r, request_id);
                conversation
            }
            other => panic!("start chat failed: {other:?}"),
        }
    }

    /// Sends a message and waits for its ack; returns (id, seq).
    pub async fn send_message(
        &mut self,
        conversation_id: ConversationId,
        body: &str,
    ) -> (MessageId, u64) {
        let id = MessageId::new();
        self.send(&ClientFrame::Send {
            id,
            conversation_id,
            body: body.into(),
        })
        .await;
        match self
            .recv_until(|f| {
                matches!(f, ServerFrame::Ack { id: a, .. } if *a == id)
                    || matches!(f, ServerFrame::Error { .. })
            })
            .await
        {
            ServerFrame::Ack { seq, .. } => (id, seq.0),
            other => panic!("send failed: {other:?}"),
        }
    }

    /// Collects live messages until `n` have arrived.
    pub async fn recv_messages(&mut self, n: usize) -> Vec<Message> {
        let mut out = Vec::new();
        while out.len() < n {
            if let ServerFrame::Messages { messages } = self.recv().await {
                out.extend(messages);
            }
        }
        out
    }
}

/// Alice and Bob registered, Alice connected, with a direct chat between them.
pub struct Pair {
    pub alice: SessionResponse,
    pub bob: SessionResponse,
    pub a: Client,
    pub chat: Conversation,
}

impl TestServer {
    pub async fn pair(&self) -> Pair {
        let alice = self.register("alice", "Alice").await;
        let bob = self.register("bob", "Bob").await;
        let (mut a, _) = self.connect(&alice.token, Pos(0)).await;
        let chat = a.start_chat("bob").await;
        Pair {
            alice,
            bob,
            a,
            chat,
        }
    }
}

impl Client {
    /// Pipelines sends without waiting for acks.
    pub async fn send_all(
        &mut self,
        conversation_id: ConversationId,
        outbox: &[(MessageId, String)],
    ) {
        for (id, body) in outbox {
            self.send(&ClientFrame::Send {
                id: *id,
                conversation_id,
                body: body.clone(),
            })
            .await;
        }
    }
}

/// `n` new messages with ids and distinct bodies.
pub fn outbox(n: usize, label: &str) -> Vec<(MessageId, String)> {
    (0..n)
        .map(|i| (MessageId::new(), format!("{label} {i}")))
        .collect()
}

/// Messages contained in catch-up frames.
pub fn messages_in(frames: &[ServerFrame]) -> Vec<Message> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Messages { messages } => Some(messages.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}
