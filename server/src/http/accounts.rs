//! `POST /api/register`, `/api/login` and `/api/logout`: decode, call
//! [`crate::service::accounts`], answer.

use super::ClientIp;
use super::{ApiFailure, JsonBody};
use crate::service::accounts;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kontor_protocol::SessionToken;
use kontor_protocol::api::{ApiErrorCode, LoginRequest, RegisterRequest, SessionResponse};

/// `POST /api/register`: creates the account and logs it in.
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiFailure> {
    let session = accounts::register(&state.db, &state.guards, ip, req).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// `POST /api/login`
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiFailure> {
    Ok(Json(
        accounts::login(&state.db, &state.guards, ip, req).await?,
    ))
}

/// `POST /api/logout` with `Authorization: Bearer <token>`: revokes the session and closes its
/// live connections.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiFailure> {
    let token = bearer(&headers)?;
    accounts::logout(&state.db, &state.hub, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/logout-everywhere` with `Authorization: Bearer <token>`: revokes every session of
/// the account (this one too) and closes all its live connections.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiFailure> {
    let token = bearer(&headers)?;
    accounts::logout_everywhere(&state.db, &state.hub, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The session token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<SessionToken, ApiFailure> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| SessionToken(t.trim().to_owned()))
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                ApiErrorCode::Unauthorized,
                "Not logged in.",
            )
        })
}
