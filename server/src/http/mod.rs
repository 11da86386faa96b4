//! HTTP routes: the account API, the WebSocket endpoint and the web app's files.

pub mod accounts;
pub mod app_shell;
mod error;
pub mod health;

pub use error::ApiFailure;

use crate::state::AppState;
use crate::ws;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/register", post(accounts::register))
        .route("/login", post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/health", get(health::health))
        .fallback(error::not_found)
        // Account requests are tiny; refuse anything bigger before parsing it.
        .layer(DefaultBodyLimit::max(16 * 1024));
    Router::new()
        .nest("/api", api)
        .route("/ws", get(ws::upgrade))
        .fallback(app_shell::serve)
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(state)
}
