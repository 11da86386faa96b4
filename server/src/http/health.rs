//! `GET /api/health`: liveness for load balancers and the number of live WebSocket connections.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// The answer.
#[derive(Serialize)]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: &'static str,
    /// Live, authenticated WebSocket connections.
    pub connections: usize,
}

/// Handler.
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        connections: state.hub.connection_count(),
    })
}
