//! The system clipboard.

use js_sys::{Function, Reflect};
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

/// Copies text to the clipboard; failure (no permission, insecure origin) is ignored.
pub fn copy_text(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator: JsValue = window.navigator().into();
    let Ok(clipboard) = Reflect::get(&navigator, &JsValue::from_str("clipboard")) else {
        return;
    };
    if clipboard.is_undefined() || clipboard.is_null() {
        return;
    }
    let Some(write) = Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return;
    };
    if let Ok(promise) = write.call1(&clipboard, &JsValue::from_str(text))
        && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
    {
        // Await it so a refusal does not surface as an unhandled rejection.
        spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}
