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

/// Limits the tests run under unless they set their own.
const GENEROUS_LIMITS: &[(&str, &str)] = &[
    ("KONTOR_REGISTRATIONS_PER_IP_PER_HOUR", "100000"),
    ("KONTOR_LOGINS_PER_IP_PER_MINUTE", "100000"),
    ("KONTOR_LOGINS_PER_ACCOUNT_PER_HOUR", "100000"),
    ("KONTOR_MESSAGES_PER_USER_PER_MINUTE", "1000000"),
    ("KONTOR_FRAMES_PER_CONNECTION_PER_MINUTE", "1000000"),
    ("KONTOR_OPERATOR_TOKEN", OPERATOR_TOKEN),
];

/// The operator's secret in tests (shows the figures on `/api/health`).
pub const OPERATOR_TOKEN: &str = "operator-secret-for-tests";

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
        Self::launch(data_dir, app_dir, &[])
    }

    /// Starts the server with some limits set (`KONTOR_…` variables) over the tests' generous
    /// ones.
    pub fn start_with_limits(data_dir: &Path, limits: &[(&str, &str)]) -> Self {
        Self::launch(data_dir, &data_dir.join("no-app"), limits)
    }

    fn launch(data_dir: &Path, app_dir: &Path, limits: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kontor-server"));
        // Every test registers and logs in from 127.0.0.1: the per-address limits are lifted
        // unless a test sets them.
        for (name, value) in GENEROUS_LIMITS.iter().chain(limits) {
            command.env(name, value);
        }
        let mut child = command
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

    /// The server process's id (to look at its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
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

    /// `GET /api/health`, with `Authorization: Bearer {bearer}` when given.
    pub async fn health(&self, bearer: Option<&str>) -> serde_json::Value {
        let mut req = reqwest::Client::new().get(format!("{}/api/health", self.base));
        if let Some(bearer) = bearer {
            req = req.bearer_auth(bearer);
        }
        req.send()
            .await
            .expect("health request")
            .json()
            .await
            .expect("health json")
    }

    /// Live connections as the operator sees them.
    pub async fn live_connections(&self) -> u64 {
        self.health(Some(OPERATOR_TOKEN)).await["connections"]
            .as_u64()
            .expect("the operator sees the connection count")
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
            attachment: None,
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
                attachment: None,
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

// ---------------------------------------------------------------------------------------------
// Businesses: whole HTTP answers, raw frames (to prove what a socket never received), the
// operator command line, and a ready-made team.

use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::business::{
    AutoReply, BusinessProfile, BusinessSettings, Category, CreateBusiness, CreateInvite,
    InboxCounts, InboxCursor, InboxFilter, InboxItem, Invite, Membership, OpeningHours,
    ProfileFields, Role,
};
use kontor_protocol::{BusinessId, UserId};
use serde::de::DeserializeOwned;

/// An HTTP answer kept whole, so a test can check status, content type and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as `T`; panics with the body when it is not.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answer is not the expected JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }

    /// Asserts a 2xx status and decodes the body.
    pub fn ok<T: DeserializeOwned>(&self, what: &str) -> T {
        assert!(
            (200..300).contains(&self.status),
            "{what}: expected success, got {} {}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// Asserts the status and the `ApiError` code.
    pub fn assert_error(&self, status: u16, code: ApiErrorCode, what: &str) {
        let err: ApiError = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{what}: expected {status} {code:?}, got {} with a body that is no ApiError ({e}): {}",
                self.status,
                self.text()
            )
        });
        assert_eq!(
            (self.status, err.code),
            (status, code),
            "{what}: {}",
            err.message
        );
        assert!(!err.message.is_empty(), "{what}: empty error message");
    }

    /// The `ApiError` code of a failed answer.
    pub fn error_code(&self) -> ApiErrorCode {
        let err: ApiError = self.json();
        err.code
    }
}

/// Profile fields with sensible defaults: open around the clock, no contact details.
pub fn profile_fields(name: &str, category: Category) -> ProfileFields {
    ProfileFields {
        name: name.into(),
        category,
        description: String::new(),
        address: String::new(),
        email: String::new(),
        websites: Vec::new(),
        hours: OpeningHours::default(),
    }
}

/// Settings with no automatic replies and agent names hidden.
pub fn quiet_settings() -> BusinessSettings {
    BusinessSettings {
        greeting: AutoReply {
            enabled: false,
            text: "Hello".into(),
        },
        away: AutoReply {
            enabled: false,
            text: "We are away".into(),
        },
        show_agent_names: false,
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl TestServer {
    /// Any `/api` request; `body` is (content type, bytes).
    pub async fn http(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&SessionToken>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut req = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(&token.0);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let res = req.send().await.expect("http request");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = res.bytes().await.expect("http body").to_vec();
        Answer {
            status,
            content_type,
            body,
        }
    }

    pub async fn api_get(&self, path: &str, token: Option<&SessionToken>) -> Answer {
        self.http(reqwest::Method::GET, path, token, None).await
    }

    pub async fn api_delete(&self, path: &str, token: Option<&SessionToken>) -> Answer {
        self.http(reqwest::Method::DELETE, path, token, None).await
    }

    /// A request with a JSON body.
    pub async fn api_json<T: serde::Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&SessionToken>,
        body: &T,
    ) -> Answer {
        let bytes = serde_json::to_vec(body).expect("encode body");
        self.http(method, path, token, Some(("application/json", bytes)))
            .await
    }

    /// `POST /api/businesses`, asserting 201.
    pub async fn create_business(
        &self,
        token: &SessionToken,
        handle: &str,
        name: &str,
        category: Category,
    ) -> BusinessProfile {
        let body = CreateBusiness {
            handle: handle.into(),
            profile: profile_fields(name, category),
        };
        let answer = self
            .api_json(reqwest::Method::POST, "/api/businesses", Some(token), &body)
            .await;
        assert_eq!(answer.status, 201, "create {handle}: {}", answer.text());
        answer.json()
    }

    /// `GET /api/businesses/{handle}` without a session.
    pub async fn business_profile(&self, handle: &str) -> BusinessProfile {
        self.api_get(&format!("/api/businesses/{handle}"), None)
            .await
            .ok(&format!("profile of {handle}"))
    }

    /// `POST /api/businesses/{handle}/invites`.
    pub async fn invite(&self, token: &SessionToken, handle: &str, role: Role) -> Invite {
        self.api_json(
            reqwest::Method::POST,
            &format!("/api/businesses/{handle}/invites"),
            Some(token),
            &CreateInvite { role },
        )
        .await
        .ok("create invite")
    }

    /// Invites and accepts: `member` joins `handle` with `role`.
    pub async fn join(
        &self,
        owner: &SessionToken,
        handle: &str,
        member: &SessionToken,
        role: Role,
    ) -> Membership {
        let invite = self.invite(owner, handle, role).await;
        self.http(
            reqwest::Method::POST,
            &format!("/api/invites/{}/accept", invite.token),
            Some(member),
            None,
        )
        .await
        .ok("accept invite")
    }

    /// `PUT /api/businesses/{handle}/settings`.
    pub async fn put_settings(
        &self,
        token: &SessionToken,
        handle: &str,
        settings: &BusinessSettings,
    ) -> BusinessSettings {
        self.api_json(
            reqwest::Method::PUT,
            &format!("/api/businesses/{handle}/settings"),
            Some(token),
            settings,
        )
        .await
        .ok("put settings")
    }

    /// Runs `kontor-server <args> --data-dir <this server's data dir>` to completion (30 s at
    /// most) while this server keeps running.
    pub async fn run_cli(&self, args: &[&str]) -> std::process::Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kontor-server"))
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kontor-server command");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if child.try_wait().expect("wait for command").is_some() {
                break;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let out = child.wait_with_output().expect("command output");
                panic!(
                    "kontor-server {args:?} did not finish in 30 s; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.wait_with_output().expect("command output")
    }

    /// Like [`TestServer::connect`], but keeps the catch-up frames as the raw text received.
    pub async fn connect_raw(&self, token: &SessionToken, since: Pos) -> (Client, Vec<String>) {
        let mut client = Client::open(&self.ws_url()).await;
        client
            .send(&ClientFrame::Hello {
                token: token.clone(),
                since,
            })
            .await;
        let mut frames = Vec::new();
        loop {
            let raw = client.recv_raw().await;
            if frame_kind(&raw).0 == "sync_done" {
                break;
            }
            frames.push(raw);
        }
        (client, frames)
    }
}

/// One inbox page, taken apart.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<InboxItem>,
    pub counts: InboxCounts,
    pub next: Option<InboxCursor>,
}

impl Client {
    /// The next text frame exactly as received (pings skipped), or why there is none.
    pub async fn try_recv_raw(&mut self, wait: Duration) -> Result<String, String> {
        loop {
            let next = tokio::time::timeout(wait, self.ws.next())
                .await
                .map_err(|_| "timeout".to_string())?;
            match next {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text)
                        && let Some(pos) = frame.pos()
                    {
                        self.cursor = self.cursor.max(pos);
                    }
                    return Ok(text.as_str().to_owned());
                }
                Some(Ok(WsMessage::Close(c))) => return Err(format!("closed: {c:?}")),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(format!("error: {e}")),
                None => return Err("closed".into()),
            }
        }
    }

    /// The next text frame as received; panics on timeout or close.
    pub async fn recv_raw(&mut self) -> String {
        match self.try_recv_raw(WAIT).await {
            Ok(text) => text,
            Err(e) => panic!("expected a frame: {e}"),
        }
    }

    /// Skips raw frames until one matches `f(variant, fields)`; returns it raw, with its
    /// variant name and fields (as JSON).
    pub async fn recv_raw_until(
        &mut self,
        mut f: impl FnMut(&str, &serde_json::Value) -> bool,
    ) -> (String, String, serde_json::Value) {
        loop {
            let raw = self.recv_raw().await;
            let (kind, fields) = frame_kind(&raw);
            if f(&kind, &fields) {
                return (raw, kind, fields);
            }
        }
    }

    /// Every frame that arrives until the socket has been quiet for `quiet`.
    pub async fn drain_raw(&mut self, quiet: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(raw) = self.try_recv_raw(quiet).await {
            out.push(raw);
        }
        out
    }

    /// Waits for the error frame echoing `request_id` (other frames skipped); returns its code
    /// as on the wire (`"not_found"` …).
    pub async fn request_error(&mut self, request_id: RequestId) -> String {
        let id = request_id.to_string();
        let (raw, kind, v) = self
            .recv_raw_until(|_, v| v["request_id"].as_str() == Some(id.as_str()))
            .await;
        assert_eq!(kind, "error", "expected an error, got {raw}");
        v["code"].as_str().unwrap_or_default().to_owned()
    }

    /// Requests one inbox page and waits for it; panics on an error answer.
    pub async fn inbox(
        &mut self,
        business: BusinessId,
        filter: InboxFilter,
        before: Option<InboxCursor>,
    ) -> Page {
        let request_id = RequestId::new();
        self.send(&ClientFrame::Inbox {
            request_id,
            business,
            filter,
            before,
        })
        .await;
        let id = request_id.to_string();
        let (raw, _, _) = self
            .recv_raw_until(|_, v| v["request_id"].as_str() == Some(id.as_str()))
            .await;
        match serde_json::from_str::<ServerFrame>(&raw) {
            Ok(ServerFrame::InboxPage {
                request_id: r,
                business: b,
                items,
                counts,
                next,
            }) => {
                assert_eq!((r, b), (request_id, business));
                Page {
                    items,
                    counts,
                    next,
                }
            }
            _ => panic!("expected an inbox page, got {raw}"),
        }
    }

    /// Waits for an `inbox_item` about `conversation` that satisfies `f`.
    pub async fn inbox_item_where(
        &mut self,
        conversation: ConversationId,
        mut f: impl FnMut(&InboxItem) -> bool,
    ) -> InboxItem {
        match self
            .recv_until(|frame| {
                matches!(frame, ServerFrame::InboxItem { item }
                    if item.conversation_id == conversation && f(item))
            })
            .await
        {
            ServerFrame::InboxItem { item } => item,
            _ => unreachable!(),
        }
    }

    /// Waits for the live message with this id.
    pub async fn message_with_id(&mut self, id: MessageId) -> Message {
        loop {
            if let ServerFrame::Messages { messages } = self.recv().await
                && let Some(m) = messages.into_iter().find(|m| m.id == id)
            {
                return m;
            }
        }
    }
}

/// A business with two people on its team.
pub struct Team {
    /// Olivia Owner (`olivia`), the owner.
    pub owner: SessionResponse,
    /// Aaron Smith (`aaron`), an agent.
    pub agent: SessionResponse,
    /// "Corner Shop" (`shop`).
    pub business: BusinessProfile,
}

impl Team {
    /// The business as a party in conversations.
    pub fn party(&self) -> UserId {
        UserId::from(self.business.id)
    }
}

impl TestServer {
    /// Olivia owns `shop`, Aaron joined it as an agent; quiet settings.
    pub async fn team(&self) -> Team {
        let owner = self.register("olivia", "Olivia Owner").await;
        let agent = self.register("aaron", "Aaron Smith").await;
        let business = self
            .create_business(&owner.token, "shop", "Corner Shop", Category::Retail)
            .await;
        let membership = self
            .join(&owner.token, "shop", &agent.token, Role::Agent)
            .await;
        assert_eq!(membership.role, Role::Agent);
        self.put_settings(&owner.token, "shop", &quiet_settings())
            .await;
        Team {
            owner,
            agent,
            business,
        }
    }
}

/// A raw server frame's variant name and fields: frames are JSON objects with one key, the
/// variant (`{"sync_done":{"pos":7}}`).
pub fn frame_kind(raw: &str) -> (String, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_str(raw).expect("json frame");
    let serde_json::Value::Object(map) = v else {
        panic!("a frame is a JSON object: {raw}");
    };
    let mut entries = map.into_iter();
    match (entries.next(), entries.next()) {
        (Some((kind, fields)), None) => (kind, fields),
        _ => panic!("a frame has exactly one key, its variant: {raw}"),
    }
}

/// A small PNG whose header claims `width` × `height`, with a valid header checksum.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(16, 16)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode png");
    // Signature (8), IHDR length (4), "IHDR" (4), width, height, …, CRC over type and data.
    assert_eq!(&png[12..16], b"IHDR");
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// Peak resident memory of a process, in KiB (Linux).
pub fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
