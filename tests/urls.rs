//! Where the login form leads afterwards: only pages of this site, as the browser reads them.

use kontor_web::urls::{next_path, origin};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn next_leads_only_to_pages_of_this_site() {
    let ours = |p: &str| next_path(Some(p.to_owned()));
    assert_eq!(ours("/chats"), Some("/chats".to_owned()));
    assert_eq!(
        ours("/biz/shop/inbox?view=mine#top"),
        Some("/biz/shop/inbox?view=mine#top".to_owned())
    );
    assert_eq!(
        ours("/chats?with=nordbank"),
        Some("/chats?with=nordbank".to_owned())
    );
    // Dots are resolved as the browser would; the result stays on this site.
    assert_eq!(ours("/a/../chats"), Some("/chats".to_owned()));
    for elsewhere in [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/\n/evil.example",
        "/\\\t\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ] {
        assert_eq!(ours(elsewhere), None, "{elsewhere:?} leaves the site");
    }
    assert_eq!(next_path(None), None);
    assert!(origin().starts_with("http"));
}
