//! The HTTP API: accounts here, businesses in [`business`].

pub mod business;

use gloo_net::http::{Request, RequestBuilder, Response};
use kontor_protocol::SessionToken;
use kontor_protocol::api::{ApiError, LoginRequest, RegisterRequest, SessionResponse};

/// Why an account request failed, in words for the person at the keyboard.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiFailure {
    /// The server answered with a reason.
    #[error("{0}")]
    Refused(String),
    /// The server could not be reached.
    #[error("Cannot reach Kontor. Check your connection and try again.")]
    Network,
}

/// The server's reason for a failed answer.
async fn refusal(res: Response) -> ApiFailure {
    match read_json::<ApiError>(&res).await {
        Ok(err) => ApiFailure::Refused(err.message),
        Err(_) => ApiFailure::Refused(format!(
            "The server answered {} {}.",
            res.status(),
            res.status_text()
        )),
    }
}

/// Sends a request and decodes a JSON answer, or the server's reason.
pub(crate) async fn fetch_json<R: serde::de::DeserializeOwned>(
    req: gloo_net::http::Request,
) -> Result<R, ApiFailure> {
    let res = req.send().await.map_err(|_| ApiFailure::Network)?;
    if res.ok() {
        return read_json(&res).await.map_err(|_| ApiFailure::Network);
    }
    Err(refusal(res).await)
}

/// Reads a JSON answer (see [`crate::json`] for why not gloo-net's `json`).
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(res: &Response) -> Result<T, ()> {
    let text = res.text().await.map_err(|_| ())?;
    crate::json::from_str(&text).map_err(|_| ())
}

/// Puts a JSON body on a request.
pub(crate) fn with_json<T: serde::Serialize + ?Sized>(
    req: RequestBuilder,
    body: &T,
) -> Result<Request, ApiFailure> {
    let text = crate::json::to_string(body).map_err(|_| ApiFailure::Network)?;
    req.header("Content-Type", "application/json")
        .body(text)
        .map_err(|_| ApiFailure::Network)
}

/// Sends a request whose success has no body (204).
pub(crate) async fn fetch_empty(req: gloo_net::http::Request) -> Result<(), ApiFailure> {
    let res = req.send().await.map_err(|_| ApiFailure::Network)?;
    if res.ok() {
        return Ok(());
    }
    Err(refusal(res).await)
}

/// Adds the bearer token.
pub(crate) fn authed(req: RequestBuilder, token: &SessionToken) -> RequestBuilder {
    req.header("Authorization", &format!("Bearer {}", token.0))
}

async fn post<T: serde::Serialize>(path: &str, body: &T) -> Result<SessionResponse, ApiFailure> {
    fetch_json(with_json(Request::post(path), body)?).await
}

/// Creates an account and logs it in.
pub async fn register(req: &RegisterRequest) -> Result<SessionResponse, ApiFailure> {
    post("/api/register", req).await
}

/// Logs in.
pub async fn login(req: &LoginRequest) -> Result<SessionResponse, ApiFailure> {
    post("/api/login", req).await
}

/// Revokes the session on the server (best effort: logging out works offline too).
pub async fn logout(token: &SessionToken) {
    let _ = Request::post("/api/logout")
        .header("Authorization", &format!("Bearer {}", token.0))
        .send()
        .await;
}
