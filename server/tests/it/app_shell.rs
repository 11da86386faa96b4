//! The web app's files: every client route answers with its bundle's page (the public pages',
//! the messenger's or the business dashboard's), assets are cached by name, responses are compressed, and each page
//! carries a CSP without 'unsafe-eval' that allows exactly its own inline script.

use crate::harness::TestServer;

const SHELL: &str = r#"<!doctype html><html><head><script type="module">import init from '/app-0123456789abcdef.js'; await init();</script></head><body></body></html>"#;

const CHATS: &str = r#"<!doctype html><html><head><script type="module">import init from '/kontor-chats-0123456789abcdef.js'; await init();</script></head><body></body></html>"#;

const BUSINESS: &str = r#"<!doctype html><html><head><script type="module">import init from '/kontor-business-0123456789abcdef.js'; await init();</script></head><body></body></html>"#;

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), SHELL).unwrap();
    std::fs::write(dir.path().join("chats.html"), CHATS).unwrap();
    std::fs::write(dir.path().join("business.html"), BUSINESS).unwrap();
    // Big enough to be worth compressing.
    let js = "export default async function init() { /* padding */ }\n".repeat(200);
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), js).unwrap();
    std::fs::write(
        dir.path().join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    // Precompressed copies, as the build writes them (content deliberately recognisable).
    std::fs::write(
        dir.path().join("app-0123456789abcdef.js.br"),
        b"pretend brotli",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app-0123456789abcdef.js.gz"),
        b"pretend gzip",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn client_routes_get_the_shell_with_a_strict_csp() {
    let data = tempfile::tempdir().unwrap();
    let app = fixture();
    let server = TestServer::start_with_app(data.path(), app.path());
    let http = reqwest::Client::new();
    let public = [
        "/",
        "/index.html",
        "/login",
        "/register",
        // Handles may hold dots: still app routes, not files.
        "/b/nordic.bikes",
        "/bizarre",
        "/chatsworth",
        "/no/such/page",
    ];
    let messenger = [
        "/chats",
        "/chats/0197a1b2-0000-7000-8000-000000000000",
        "/chats.html",
    ];
    let dashboard = [
        "/biz",
        "/biz/new",
        "/biz/nordic.bikes/inbox",
        "/biz/nordic.bikes/inbox/0197a1b2-0000-7000-8000-000000000000",
        "/biz/nordic.bikes/settings",
        "/join/abc-DEF_123",
        "/business.html",
    ];
    let mut policies = std::collections::HashSet::new();
    for (path, page) in public
        .iter()
        .map(|p| (p, SHELL))
        .chain(messenger.iter().map(|p| (p, CHATS)))
        .chain(dashboard.iter().map(|p| (p, BUSINESS)))
    {
        let res = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let headers = res.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(headers["cache-control"], "no-cache");
        let csp = headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(
            !csp.contains("'unsafe-eval'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        policies.insert(csp);
        assert_eq!(res.text().await.unwrap(), page, "{path}");
    }
    // One policy per page: each allows its own loader script only.
    assert_eq!(policies.len(), 3);
}

#[tokio::test]
async fn assets_are_cached_by_name_and_compressed() {
    let data = tempfile::tempdir().unwrap();
    let app = fixture();
    let server = TestServer::start_with_app(data.path(), app.path());
    let http = reqwest::Client::new();

    let res = http
        .get(format!("{}/app-0123456789abcdef.js", server.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(&res.bytes().await.unwrap()[..], b"pretend gzip");
    // Files without copies are compressed on the fly.
    let res = http
        .get(format!("{}/sw.js", server.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");

    // A precompressed copy is sent as it is when the browser accepts it.
    let res = http
        .get(format!("{}/app-0123456789abcdef.js", server.base))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&res.bytes().await.unwrap()[..], b"pretend brotli");

    // Unhashed files are revalidated (the service worker must update promptly).
    let res = http
        .get(format!("{}/sw.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-cache");

    let res = http
        .get(format!("{}/app-ffffffffffffffff.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let res = http
        .get(format!("{}/api/nope", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let err: kontor_protocol::api::ApiError = res.json().await.unwrap();
    assert!(!err.message.is_empty());
}
