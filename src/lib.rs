//! Kontor's web client: a Leptos single-page app.
//!
//! Layout: [`routes`] holds the pages, [`components`] the pieces they are built from, [`store`]
//! the IndexedDB database the UI renders from, [`sync`] the one module with network side effects
//! (the WebSocket connection manager and what it does with each frame), [`api`] the HTTP account
//! calls and [`session`] the saved login.

pub mod api;
pub mod app;
pub mod components;
pub mod media;
pub mod pwa;
pub mod routes;
pub mod session;
pub mod store;
pub mod sync;
pub mod time;

/// Mounts the app on the page and registers the service worker that lets it start offline.
pub fn start() {
    // A panic otherwise ends as a bare "unreachable" trap with no message in the console.
    console_error_panic_hook::set_once();
    let update_ready = leptos::prelude::RwSignal::new(false);
    pwa::register_service_worker(update_ready);
    leptos::mount::mount_to_body(move || leptos::view! { <app::App update_ready=update_ready/> });
}
