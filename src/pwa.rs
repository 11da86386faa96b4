//! Installed-app behaviour: the service worker and its updates, the unread badge, notifications.
//!
//! The Badging API is not in web-sys's stable set, so it is called through `Reflect` when the
//! browser has it.

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Registers `/sw.js`. `update_ready` turns true when a newer version has taken over the page,
/// which then offers "Reload to update".
pub fn register_service_worker(update_ready: RwSignal<bool>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    // Absent on insecure origins: the app then works online only.
    if !Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    let had_controller = container.controller().is_some();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        // The first install also "changes" the controller; only a replacement is an update.
        if had_controller {
            update_ready.set(true);
        }
    });
    container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    // Lives as long as the page.
    on_change.forget();
    let _ = container.register("/sw.js");
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
