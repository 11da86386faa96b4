//! The web app's pages (`index.html`, `chats.html`, `business.html`) as loaded at start, each
//! with a Content-Security-Policy without 'unsafe-eval' that allows exactly its own inline
//! scripts. Served by `http/app_shell.rs`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kontor_protocol::pages::Page as AppPage;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Hashed asset names never change content: cache them for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated, so a new deployment is picked up at once.
pub const REVALIDATE: &str = "no-cache";

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
    pub fn response(&self, path: &str) -> Response {
        let page = match AppPage::of(path) {
            AppPage::Public => None,
            AppPage::Messenger => self.messenger.as_ref(),
            AppPage::Business => self.business.as_ref(),
        };
        page.unwrap_or(&self.public).response()
    }
}

/// Builds the policy: scripts only from our origin plus the hashes of the page's own inline
/// scripts (trunk's wasm loader), wasm compilation allowed, no eval. Pictures and voice notes
/// play from `blob:` URLs: attachments are fetched with the session's token, then shown.
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
         style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
         connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
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
}
