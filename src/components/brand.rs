//! The Kontor logo and name.

use leptos::prelude::*;

/// Logo mark and word.
#[component]
pub fn Brand() -> impl IntoView {
    view! {
        <div class="brand">
            <svg viewBox="0 0 32 32" aria-hidden="true">
                <rect width="32" height="32" rx="9" fill="currentColor"/>
                <path d="M10 8v16M10 16l9-8M12.5 14l7.5 10" stroke="#fff" stroke-width="3"
                    stroke-linecap="round" stroke-linejoin="round" fill="none"/>
            </svg>
            <span>"Kontor"</span>
        </div>
    }
}
