//! HTTP routes: the account API, the WebSocket endpoint and the web app's files.

pub mod accounts;
pub mod app_shell;
pub mod business;
mod client_ip;
pub mod current_user;
mod error;
pub mod health;
mod json_body;
pub mod media;
pub mod safety;

pub use client_ip::ClientIp;
pub use error::ApiFailure;
pub use json_body::JsonBody;

use crate::state::AppState;
use crate::ws;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue};
use axum::routing::{delete, get, post};
use kontor_protocol::business::MAX_LOGO_BYTES;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/register", post(accounts::register))
        .route("/login", post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/logout-everywhere", post(accounts::logout_everywhere))
        .route("/health", get(health::health))
        .route("/me/businesses", get(business::mine))
        .route("/businesses", post(business::create))
        .route(
            "/businesses/{handle}",
            get(business::profile).put(business::update),
        )
        .route(
            "/businesses/{handle}/logo",
            get(business::get_logo)
                // Room for a too-big logo to be read and refused with a clear JSON error.
                .put(business::upload_logo)
                .layer(DefaultBodyLimit::max(2 * MAX_LOGO_BYTES)),
        )
        .route("/businesses/{handle}/qr.svg", get(business::qr))
        .route(
            "/businesses/{handle}/settings",
            get(business::get_settings).put(business::put_settings),
        )
        .route("/businesses/{handle}/team", get(business::team))
        .route("/businesses/{handle}/invites", post(business::invite))
        .route(
            "/businesses/{handle}/members/{user_id}",
            delete(business::remove_member),
        )
        .route(
            "/businesses/{handle}/labels",
            get(business::labels).post(business::add_label),
        )
        .route(
            "/businesses/{handle}/labels/{id}",
            delete(business::delete_label),
        )
        .route(
            "/businesses/{handle}/quick-replies",
            get(business::quick_replies).post(business::add_quick_reply),
        )
        .route(
            "/businesses/{handle}/quick-replies/{id}",
            delete(business::delete_quick_reply),
        )
        .route("/businesses/{handle}/stats", get(business::stats))
        .route("/invites/{token}", get(business::invite_preview))
        .route("/invites/{token}/accept", post(business::accept_invite))
        .route("/uploads", post(media::create))
        .route(
            "/uploads/{id}",
            get(media::state)
                .delete(media::cancel)
                .put(media::put_chunk)
                // A chunk plus slack; anything bigger is refused with a JSON error.
                .layer(DefaultBodyLimit::max(media::MAX_CHUNK_BODY)),
        )
        .route("/uploads/{id}/complete", post(media::complete))
        .route("/attachments/{id}", get(media::download))
        .route("/blocks", get(safety::list))
        .route(
            "/blocks/{handle}",
            axum::routing::put(safety::block).delete(safety::unblock),
        )
        .route("/reports", post(safety::report))
        .fallback(error::not_found)
        // API requests are small (logos and upload chunks aside); refuse anything bigger before
        // parsing it.
        .layer(DefaultBodyLimit::max(16 * 1024))
        // A body trickled in to hold the connection open is cut off.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            state.config.limits.body_timeout_secs,
        )));
    Router::new()
        .nest("/api", api)
        .route("/ws", get(ws::upgrade))
        .fallback(app_shell::serve)
        // Sound, video and archives are compressed already; pictures are skipped by default.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("audio/"))
                    .and(NotForContentType::const_new("video/"))
                    .and(NotForContentType::const_new("application/zip"))
                    .and(NotForContentType::const_new("application/gzip"))
                    .and(NotForContentType::const_new("application/octet-stream")),
            ),
        )
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
