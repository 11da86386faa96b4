//! The WebSocket endpoint: handshake checks here, the conversation loop in [`session`].

mod outgoing;
pub mod session;
mod team;

use crate::config::Config;
use crate::http::ApiFailure;
use crate::http::ClientIp;
use crate::limits::{LimitKind, Limited};
use crate::service::ServiceError;
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use kontor_protocol::limits::MAX_FRAME_BYTES;
use std::time::Duration;

/// Hard transport bound: frames up to this size are read and refused politely with an error frame
/// when over [`MAX_FRAME_BYTES`]; beyond it the socket is closed (code 1009).
pub const TRANSPORT_MAX_BYTES: usize = 2 * MAX_FRAME_BYTES;

/// How long a client refused for its address's connections waits before trying again.
const ADDRESS_RETRY: Duration = Duration::from_secs(30);

/// Read and write buffers per connection. tungstenite's defaults (128 KiB each) would spend
/// ~256 KiB per idle connection; chat frames are small. The read buffer is held (and touched)
/// for the connection's whole life, so it is the smaller: a larger frame grows it for a while.
const READ_BUFFER_BYTES: usize = 2 * 1024;
const WRITE_BUFFER_BYTES: usize = 4 * 1024;

/// `GET /ws`: checks the Origin, then upgrades. Authentication happens in the first frame.
pub async fn upgrade(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&state.config, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "This origin may not open a Kontor connection.",
        )
            .into_response();
    }
    let Some(address) = state.guards.addresses.open(ip) else {
        let refusal = ServiceError::RateLimited(Limited {
            what: LimitKind::ConnectionsFromAddress,
            retry_after: ADDRESS_RETRY,
        });
        return ApiFailure::from(refusal).into_response();
    };
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(TRANSPORT_MAX_BYTES * 4)
        .max_message_size(TRANSPORT_MAX_BYTES)
        .max_frame_size(TRANSPORT_MAX_BYTES)
        .on_upgrade(move |socket| {
            let (sink, stream) = socket.split();
            session::run(state, sink, stream, address)
        })
}

/// Cross-site WebSocket hijacking defence: a browser always sends Origin, and it must be ours
/// (same host as the request) or explicitly allowed. Clients that are not browsers send none.
fn origin_allowed(config: &Config, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if config.allowed_origins.iter().any(|o| o == origin) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn only_own_or_listed_origins_pass() {
        let mut config = Config::for_tests("data".into());
        assert!(origin_allowed(
            &config,
            &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080")
        ));
        assert!(origin_allowed(&config, &headers(None, "127.0.0.1:8080")));
        assert!(!origin_allowed(
            &config,
            &headers(Some("https://evil.example"), "127.0.0.1:8080")
        ));
        assert!(!origin_allowed(
            &config,
            &headers(Some("http://127.0.0.1:9999"), "127.0.0.1:8080")
        ));
        config.allowed_origins.push("https://app.example".into());
        assert!(origin_allowed(
            &config,
            &headers(Some("https://app.example"), "127.0.0.1:8080")
        ));
    }
}
