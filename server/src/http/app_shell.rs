//! Serves the built web app: the page of every client route (`index.html`, `chats.html` or
//! `business.html`, so deep links work on a cold load), static files with caching headers, and
//! a Content-Security-Policy without 'unsafe-eval'.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kontor_protocol::pages::Page as AppPage;
use sha2::{Digest, Sha256};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Hashed asset names never change content: cache them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated, so a new deployment is picked up at once.
const REVALIDATE: &str = "no-cache";

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Kontor</title></head><body><h1>Kontor</h1><p role=\"alert\">The web app has not been \
built. Run <code>cargo xtask run</code>, which builds it and starts the server.</p></body></html>";

/// One built page, loaded once, with the policy that allows exactly its inline scripts.
struct Page {
    html: String,
    csp: HeaderValue,
}

impl Page {
    fn load(path: &Path) -> Option<Self> {
        let html = std::fs::read_to_string(path).ok()?;
        Some(Self::new(html))
    }

    fn new(html: String) -> Self {
        let csp = content_security_policy(&html);
        Self { html, csp }
    }

    fn response(&self) -> Response {
        let mut res = (StatusCode::OK, self.html.clone()).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
        headers.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        res
    }
}

/// The web app's three pages ([`kontor_protocol::pages::Page`]), each with its own wasm bundle:
/// the public pages a first visit lands on (`index.html`), the messenger (`chats.html`) and the
/// business dashboard (`business.html`).
pub struct AppShell {
    public: Page,
    /// `None` when the build lacks a page: its paths get the public page, which says so.
    messenger: Option<Page>,
    business: Option<Page>,
}

impl AppShell {
    /// Loads the pages from the built app folder (or a page that says it is not built).
    pub fn load(static_dir: &Path) -> Self {
        let load = |page: AppPage| Page::load(&static_dir.join(page.file()));
        Self {
            public: load(AppPage::Public).unwrap_or_else(|| Page::new(NOT_BUILT.to_owned())),
            messenger: load(AppPage::Messenger),
            business: load(AppPage::Business),
        }
    }

    /// The page for an app route ([`kontor_protocol::pages`], the client's rule too).
    fn response(&self, path: &str) -> Response {
        let page = match AppPage::of(path) {
            AppPage::Public => None,
            AppPage::Messenger => self.messenger.as_ref(),
            AppPage::Business => self.business.as_ref(),
        };
        page.unwrap_or(&self.public).response()
    }
}

/// Builds the policy: scripts only from our origin plus the hashes of the page's own inline
/// scripts (trunk's wasm loader), wasm compilation allowed, no eval.
fn content_security_policy(html: &str) -> HeaderValue {
    let hashes: String = inline_scripts(html)
        .map(|body| {
            format!(
                " 'sha256-{}'",
                STANDARD.encode(Sha256::digest(body.as_bytes()))
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// Bodies of `<script>` elements without a `src`. The shell is our own build output, so a small
/// scanner is enough; an HTML parser crate would be a large dependency for this one job.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find("<script")?;
            let after_open = &rest[open..];
            let tag_end = after_open.find('>')?;
            let tag = &after_open[..tag_end];
            let body_start = &after_open[tag_end + 1..];
            let close = body_start.find("</script>")?;
            let body = &body_start[..close];
            rest = &body_start[close + "</script>".len()..];
            if !tag.contains(" src=") {
                return Some(body);
            }
        }
    })
}

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
    fn hashes_only_inline_scripts() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let bodies: Vec<_> = inline_scripts(html).collect();
        assert_eq!(bodies, vec!["init()"]);
        let csp = content_security_policy(html);
        let csp = csp.to_str().unwrap();
        assert!(csp.contains("'wasm-unsafe-eval' 'sha256-"));
        assert!(!csp.contains("'unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn recognises_hashed_assets() {
        assert!(is_hashed_asset("kontor-web-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("style-1a2b3c4d5e6f7a8b.css"));
        assert!(is_hashed_asset("kontor-web-90eb0b12bd6e69d.js"));
        assert!(!is_hashed_asset("manifest.webmanifest"));
        assert!(!is_hashed_asset("icon-192.png"));
    }
}
