//! The `Authorization: Bearer <token>` extractor for API routes that need a logged-in user.

use super::ApiFailure;
use crate::auth;
use crate::service::accounts;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::{SessionToken, User};

/// The user whose live session token the request carries.
pub struct CurrentUser(pub User);

fn unauthorized(message: &'static str) -> ApiFailure {
    ApiFailure::new(
        StatusCode::UNAUTHORIZED,
        ApiErrorCode::Unauthorized,
        message,
    )
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| SessionToken(t.trim().to_owned()))
            .ok_or_else(|| unauthorized("Please log in first."))?;
        let hash = auth::token_hash(&token);
        let session = state
            .db
            .read(move |d| accounts::live_session(d, &hash))
            .await?;
        match session {
            Some(s) => Ok(CurrentUser(s.user)),
            _ => Err(unauthorized("Your session has ended. Please log in again.")),
        }
    }
}
