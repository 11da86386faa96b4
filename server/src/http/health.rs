//! `GET /api/health`: liveness for anyone (load balancers); the server's figures only for the
//! operator, with `Authorization: Bearer <KONTOR_OPERATOR_TOKEN>`.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The answer.
#[derive(Serialize)]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: &'static str,
    /// Live, authenticated WebSocket connections (operator only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
}

/// Handler.
pub async fn health(State(state): State<AppState>, headers: HeaderMap) -> Json<Health> {
    let operator = state
        .config
        .operator_token
        .as_deref()
        .is_some_and(|token| bearer_is(&headers, token));
    Json(Health {
        status: "ok",
        connections: operator.then(|| state.hub.connection_count()),
    })
}

/// Whether the request carries `token`; digests are compared so the time taken says nothing
/// about how much of a guess was right.
fn bearer_is(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| Sha256::digest(given.trim()) == Sha256::digest(token))
}
