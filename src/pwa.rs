//! Installed-app behaviour: the service worker and its updates, the unread badge, notifications.
//!
//! The Badging API is not in web-sys's stable set, so it is called through `Reflect` when the
//! browser has it.

use js_sys::{Function, Reflect};
use kontor_protocol::pages::Page;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The worker registration, once known (for "Reload to update").
    static REGISTRATION: std::cell::RefCell<Option<web_sys::ServiceWorkerRegistration>> =
        const { std::cell::RefCell::new(None) };
}

/// The page's service workers, where the browser offers them (not on insecure origins: the app
/// then works online only).
fn service_workers() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    Reflect::has(&navigator, &JsValue::from_str("serviceWorker"))
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}

/// Registers `/sw.js`. `update_ready` turns true when a newer version has installed and waits;
/// [`apply_update`] then switches to it.
pub fn register_service_worker(update_ready: RwSignal<bool>) {
    let Some(container) = service_workers() else {
        return;
    };
    let promise = container.register("/sw.js");
    // Runs before the app (and Leptos's executor) starts: use wasm-bindgen's spawner.
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = wasm_bindgen_futures::JsFuture::from(promise).await else {
            return;
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        // A worker that waits only matters when another one controls this page (an update);
        // the very first install takes over at once.
        let controlled = move || {
            web_sys::window().is_some_and(|w| w.navigator().service_worker().controller().is_some())
        };
        if registration.waiting().is_some() && controlled() {
            update_ready.set(true);
        }
        // Report when an installing worker has finished installing.
        let watch = move |installing: web_sys::ServiceWorker| {
            let worker = installing.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if worker.state() == web_sys::ServiceWorkerState::Installed && controlled() {
                    update_ready.set(true);
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        };
        // An update may already be installing (found before this code ran)...
        if let Some(installing) = registration.installing() {
            watch(installing);
        }
        // ...or be found later.
        let reg = registration.clone();
        let on_update = Closure::<dyn FnMut()>::new(move || {
            if let Some(installing) = reg.installing() {
                watch(installing);
            }
        });
        registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_update.forget();
        REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
    });
}

/// Asks the service worker to fetch and keep `page`'s bundle now (what it lacks of it), so it
/// opens from the cache: the messenger while someone fills in the login form, and each page's
/// own when it starts. Without a worker, nothing happens and the page loads from the network
/// when opened.
pub fn cache_ahead(page: Page) {
    if page == Page::Public {
        return;
    }
    let Some(Ok(ready)) = service_workers().map(|c| c.ready()) else {
        return;
    };
    let message = JsValue::from_str(&format!("cache:/{}", page.file()));
    // May run before the app (and Leptos's executor) starts: use wasm-bindgen's spawner.
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(registration) = wasm_bindgen_futures::JsFuture::from(ready).await {
            let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
            if let Some(worker) = registration.active() {
                let _ = worker.post_message(&message);
            }
        }
    });
}

/// Lets the waiting version take over, then reloads into it.
pub fn apply_update() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let waiting = REGISTRATION.with(|r| r.borrow().as_ref().and_then(|r| r.waiting()));
    let Some(waiting) = waiting else {
        let _ = window.location().reload();
        return;
    };
    let on_change = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    window
        .navigator()
        .service_worker()
        .set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    let _ = waiting.post_message(&JsValue::from_str("take-over"));
}

/// Shows the unread total on the installed app's icon (where the browser supports it).
pub fn set_badge(unread: u32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let name = if unread > 0 {
        "setAppBadge"
    } else {
        "clearAppBadge"
    };
    if let Ok(f) = Reflect::get(&navigator, &JsValue::from_str(name))
        && let Some(f) = f.dyn_ref::<Function>()
    {
        // Returns a promise that rejects when not installed; nothing to do about it.
        let _ = if unread > 0 {
            f.call1(&navigator, &JsValue::from_f64(unread as f64))
        } else {
            f.call0(&navigator)
        };
    }
}

/// Whether notifications may be shown, could be asked for, or were refused.
pub fn notification_permission() -> web_sys::NotificationPermission {
    if Reflect::has(&js_sys::global(), &JsValue::from_str("Notification")).unwrap_or(false) {
        web_sys::Notification::permission()
    } else {
        web_sys::NotificationPermission::Denied
    }
}

/// Asks for notification permission; call only from a user action.
pub fn request_notifications(granted: RwSignal<bool>) {
    if let Ok(promise) = web_sys::Notification::request_permission() {
        leptos::task::spawn_local(async move {
            let answer = wasm_bindgen_futures::JsFuture::from(promise).await;
            granted.set(answer.ok().and_then(|v| v.as_string()).as_deref() == Some("granted"));
        });
    }
}

/// Shows a notification; clicking it focuses the app and opens `path`.
pub fn notify(title: &str, body: &str, tag: &str, path: String) {
    if notification_permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    options.set_icon("/icons/icon-192.png");
    let Ok(notification) = web_sys::Notification::new_with_options(title, &options) else {
        return;
    };
    let on_click = Closure::<dyn FnMut()>::once(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
            navigate_to(&window, &path);
        }
    });
    notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
    on_click.forget();
}

/// Client-side navigation from outside the router: push the URL and let the router follow.
fn navigate_to(window: &web_sys::Window, path: &str) {
    if let Ok(history) = window.history()
        && history
            .push_state_with_url(&JsValue::NULL, "", Some(path))
            .is_ok()
        && let Ok(event) = web_sys::PopStateEvent::new("popstate")
    {
        let _ = window.dispatch_event(&event);
    }
}

/// True when the page is not on screen (another tab, minimised).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() != web_sys::VisibilityState::Visible)
}

/// Asks the browser to keep this origin's data under storage pressure (granted or not, silently).
pub fn persist_storage() {
    if let Some(storage) = storage_manager()
        && let Ok(promise) = storage.persist()
    {
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

fn storage_manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    Reflect::has(&navigator, &JsValue::from_str("storage"))
        .unwrap_or(false)
        .then(|| navigator.storage())
}

/// Bytes used and allowed for this origin, as the browser estimates them.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let promise = storage_manager()?.estimate().ok()?;
    let estimate = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let usage = Reflect::get(&estimate, &JsValue::from_str("usage"))
        .ok()?
        .as_f64()?;
    let quota = Reflect::get(&estimate, &JsValue::from_str("quota"))
        .ok()?
        .as_f64()?;
    Some((usage, quota))
}

/// Whether the browser agreed to keep this origin's data.
pub async fn storage_persisted() -> bool {
    let Some(promise) = storage_manager().and_then(|s| s.persisted().ok()) else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// "3.4 MB" and the like.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
