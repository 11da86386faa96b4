//! Account calls over HTTP: register, log in, log out.

use super::SyncResult;
use super::http::{Req, fetch};
use kontor_protocol::SessionToken;
use kontor_protocol::api::{LoginRequest, RegisterRequest, SessionResponse};

/// Creates an account and logs it in.
pub async fn register(req: &RegisterRequest) -> SyncResult<SessionResponse> {
    fetch(Req::post("/api/register").json(req)).await
}

/// Logs in.
pub async fn login(req: &LoginRequest) -> SyncResult<SessionResponse> {
    fetch(Req::post("/api/login").json(req)).await
}

/// Revokes the session on the server (best effort: logging out works offline too).
pub async fn logout(token: &SessionToken) {
    let _ = fetch::<()>(Req::post("/api/logout").token(token)).await;
}
