//! Which of the web app's three pages serves a path. The server answers with that page, and the
//! client's routers hand a path they do not render to the browser; both must split paths alike,
//! so the rule lives here (the service worker, plain JavaScript, repeats it).

/// One of the web app's pages, each with its own wasm bundle, so a visitor downloads only the
/// code of what they open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// `index.html`: what anyone may open logged out: the welcome page, logging in,
    /// registering, businesses' public profiles, and "not found". A first visit lands here.
    Public,
    /// `chats.html`: the messenger, `/chats…`, for a logged-in account.
    Messenger,
    /// `business.html`: the business dashboard, `/biz…` and `/join/…`.
    Business,
}

impl Page {
    /// The page that serves `path`.
    pub fn of(path: &str) -> Self {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/chats") {
            Page::Messenger
        } else if under("/biz") || path.starts_with("/join/") {
            Page::Business
        } else {
            Page::Public
        }
    }

    /// The page's file in the built app.
    pub fn file(self) -> &'static str {
        match self {
            Page::Public => "index.html",
            Page::Messenger => "chats.html",
            Page::Business => "business.html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn splits_paths_between_the_three_pages() {
        for path in [
            "/chats",
            "/chats/",
            "/chats/0190b7c2-aaaa-7bbb-8ccc-0123456789ab",
        ] {
            assert_eq!(Page::of(path), Page::Messenger, "{path}");
        }
        for path in ["/biz", "/biz/new", "/biz/nordic.bikes/inbox", "/join/abc"] {
            assert_eq!(Page::of(path), Page::Business, "{path}");
        }
        for path in [
            "/",
            "/login",
            "/register",
            "/b/nordic.bikes",
            "/bizarre",
            "/join",
            "/chatsworth",
            "/nowhere",
        ] {
            assert_eq!(Page::of(path), Page::Public, "{path}");
        }
    }
}
