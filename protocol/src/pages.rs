//! Which of the web app's two pages serves a path. The server answers with that page, and the
//! client's routers hand a path of the other page to the browser; both must split paths alike,
//! so the rule lives here (the service worker, plain JavaScript, repeats it).

/// True for paths of the business dashboard (`business.html`): `/biz…` and `/join/…`. Every
/// other app path is the messenger's (`index.html`).
pub fn is_business_page(path: &str) -> bool {
    path == "/biz" || path.starts_with("/biz/") || path.starts_with("/join/")
}

#[cfg(test)]
mod tests {
    use super::is_business_page;

    #[test]
    fn splits_paths_between_the_two_pages() {
        for path in ["/biz", "/biz/new", "/biz/nordic.bikes/inbox", "/join/abc"] {
            assert!(is_business_page(path), "{path}");
        }
        for path in ["/", "/chats", "/b/nordic.bikes", "/bizarre", "/join"] {
            assert!(!is_business_page(path), "{path}");
        }
    }
}
