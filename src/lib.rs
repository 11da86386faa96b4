//! Kontor's web client: a Leptos single-page app.
//!
//! Layout: [`routes`] holds the pages, [`components`] the pieces they are built from, [`store`]
//! the IndexedDB database the UI renders from, [`sync`] the one module with network side effects
//! (the WebSocket connection manager and what it does with each frame), [`api`] the HTTP account
//! calls and [`session`] the saved login.

pub mod api;
pub mod app;
pub mod components;
pub mod routes;
pub mod session;
pub mod store;
pub mod sync;
pub mod time;

/// Mounts the app on the page and registers the service worker that lets it start offline.
pub fn start() {
    register_service_worker();
    leptos::mount::mount_to_body(app::App);
}

fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Absent on insecure origins and in some private modes: the app then works online only.
    let container = window.navigator().service_worker();
    if !wasm_bindgen::JsValue::from(container.clone()).is_undefined() {
        let _ = container.register("/sw.js");
    }
}
