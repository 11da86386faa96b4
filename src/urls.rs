//! The app's addresses and the helpers that build or read them, in one place.

use kontor_protocol::ConversationId;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Redirects replace the page that redirects in the history, so Back does not return to it.
pub fn replace() -> leptos_router::NavigateOptions {
    leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

/// The router's path with its query (`/chats?with=nordbank`).
pub fn path_and_query(location: &leptos_router::location::Location) -> String {
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let search = search.trim_start_matches('?');
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// `/login?next={path}`: the login page, coming back to `path` afterwards.
pub fn login_then(path: &str) -> String {
    format!("/login?next={}", js_sys::encode_uri_component(path))
}

/// Where to go after logging in: `?next=` when it is a page of this site, else `None` (the
/// chats). Read with the browser's own URL parser, as navigating would: it drops tabs and line
/// breaks and reads `\\` as `/`, so `/%09/evil.example` is `//evil.example`, another site.
pub fn next_path(next: Option<String>) -> Option<String> {
    let next = next?;
    if !next.starts_with('/') {
        return None;
    }
    let origin = origin();
    let url = web_sys::Url::new_with_base(&next, &origin).ok()?;
    (url.origin() == origin).then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

/// The page's origin, for example `https://kontor.example`.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The route's `:id` as a conversation id (`None` when it is not one).
pub fn conversation_id_param() -> Memo<Option<ConversationId>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<ConversationId>().ok())
    })
}

/// The route's `:handle` (a business's handle in `/biz/{handle}/…`, `/b/{handle}`).
pub fn handle_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("handle").unwrap_or_default())
}

/// A website address without its scheme and trailing slash, for showing.
pub fn short_url(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// A website as typed, with `https://` added when the scheme is missing.
pub fn website(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        None
    } else if typed.contains("://") {
        Some(typed.to_string())
    } else {
        Some(format!("https://{typed}"))
    }
}
