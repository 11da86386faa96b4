//! Serves the built web app: the page of every client route (`index.html`, `chats.html` or
//! `business.html`, so deep links work on a cold load) and static files with caching headers.

use crate::shell::{IMMUTABLE, REVALIDATE};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// True for trunk's content-hashed file names such as `app-0123456789abcdef_bg.wasm` (the hash
/// is a u64 in hex, so leading zeros make it shorter than 16 digits).
fn is_hashed_asset(name: &str) -> bool {
    name.split(['-', '.', '_']).any(|part| {
        (12..=16).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
    })
}

/// Fallback handler: a file when the path names one, otherwise the app shell.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    // Short links to business profiles: `/@nordbank` → `/b/nordbank`.
    if let Some(handle) = path.strip_prefix("/@")
        && kontor_protocol::Handle::parse(handle).is_ok()
    {
        return axum::response::Redirect::to(&format!("/b/{handle}")).into_response();
    }
    let file_name = path.rsplit('/').next().unwrap_or_default();
    // App routes may end in a handle, and handles may hold dots (`/b/nordic.bikes`).
    let app_route = ["/b/", "/biz/", "/join/", "/chats/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    if app_route || !file_name.contains('.') || file_name == "index.html" {
        return state.shell.response(&path);
    }
    if file_name == "business.html" {
        return state.shell.response("/biz");
    }
    if file_name == "chats.html" {
        return state.shell.response("/chats");
    }
    let cache = if is_hashed_asset(file_name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    // The build writes .br and .gz copies; sending those spares compressing on every request.
    let files = ServeDir::new(&state.config.static_dir)
        .precompressed_br()
        .precompressed_gzip();
    let Ok(res) = files.oneshot(req).await;
    let mut res = res.map(Body::new);
    if res.status().is_success() {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hashed_assets() {
        assert!(is_hashed_asset("kontor-web-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("style-1a2b3c4d5e6f7a8b.css"));
        assert!(is_hashed_asset("kontor-web-90eb0b12bd6e69d.js"));
        assert!(!is_hashed_asset("manifest.webmanifest"));
        assert!(!is_hashed_asset("icon-192.png"));
    }
}
