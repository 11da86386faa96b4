//! The HTTP account API: register, log in, log out.

use gloo_net::http::Request;
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

async fn post<T: serde::Serialize>(path: &str, body: &T) -> Result<SessionResponse, ApiFailure> {
    let res = Request::post(path)
        .json(body)
        .map_err(|_| ApiFailure::Network)?
        .send()
        .await
        .map_err(|_| ApiFailure::Network)?;
    if res.ok() {
        return res.json().await.map_err(|_| ApiFailure::Network);
    }
    match res.json::<ApiError>().await {
        Ok(err) => Err(ApiFailure::Refused(err.message)),
        Err(_) => Err(ApiFailure::Refused(format!(
            "The server answered {} {}.",
            res.status(),
            res.status_text()
        ))),
    }
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
