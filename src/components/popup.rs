//! Menus close as people expect: on Escape, and on a press anywhere outside them.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// While `is_open()`: Escape calls `close` and puts the focus back on `button`; a press outside
/// `inside` and `button` calls `close`. The listeners live as long as the calling component.
pub fn dismissable(
    inside: NodeRef<html::Div>,
    button: NodeRef<html::Button>,
    is_open: impl Fn() -> bool + Clone + 'static,
    close: impl Fn() + Clone + 'static,
) {
    let (open_k, close_k) = (is_open.clone(), close.clone());
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && open_k() {
            close_k();
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    });
    let presses = window_event_listener(leptos::ev::pointerdown, move |ev| {
        if !is_open() {
            return;
        }
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let within =
            |el: Option<web_sys::Element>| el.is_some_and(|el| el.contains(target.as_ref()));
        let in_menu = within(inside.get_untracked().map(Into::into));
        let on_button = within(button.get_untracked().map(Into::into));
        if !in_menu && !on_button {
            close();
        }
    });
    on_cleanup(move || {
        keys.remove();
        presses.remove();
    });
}
