//! Kontor's web client: a Leptos single-page app.
//!
//! Layout: [`routes`] holds the pages, [`components`] the pieces they are built from, [`store`]
//! the IndexedDB database the UI renders from, [`sync`] the one module with network side effects
//! (the WebSocket connection manager and what it does with each frame, every HTTP call, the
//! attachments' files), [`session`] the saved login and [`json`] the JSON codec. It builds three
//! bundles (see
//! [`shell`]): the public pages ([`start`], `src/main.rs`), the messenger ([`start_messenger`],
//! `src/bin/chats.rs`) and the business dashboard ([`start_business`], `src/bin/business.rs`).

use kontor_protocol::pages::Page;

pub mod app;
pub mod business_app;
pub mod clipboard;
pub mod components;
pub mod json;
pub mod public_app;
pub mod pwa;
pub mod routes;
pub mod session;
pub mod shell;
pub mod state;
pub mod store;
pub mod sync;
pub mod time;
pub mod urls;

/// Mounts the public pages (welcome, login, business profiles) and registers the service worker
/// that lets the app start offline.
pub fn start() {
    mount(Page::Public, |update_ready| {
        leptos::view! { <public_app::PublicApp update_ready=update_ready/> }
    });
}

/// Mounts the messenger (`/chats…`) on the page.
pub fn start_messenger() {
    mount(Page::Messenger, |update_ready| {
        leptos::view! { <app::App update_ready=update_ready/> }
    });
}

/// Mounts the business dashboard (`/biz…`, `/join/…`) on the page.
pub fn start_business() {
    mount(Page::Business, |update_ready| {
        leptos::view! { <business_app::BusinessApp update_ready=update_ready/> }
    });
}

fn mount<V: leptos::IntoView + 'static>(
    page: Page,
    app: impl FnOnce(leptos::prelude::RwSignal<bool>) -> V + 'static,
) {
    // A panic otherwise ends as a bare "unreachable" trap with no message in the console.
    console_error_panic_hook::set_once();
    let update_ready = leptos::prelude::RwSignal::new(false);
    pwa::register_service_worker(update_ready);
    // This page's bundle, kept for starting offline: a page loaded before the worker took
    // control (a first visit straight to /chats) was not cached on the way.
    pwa::cache_ahead(page);
    leptos::mount::mount_to_body(move || app(update_ready));
}
