//! The "Verified business" badge: only the server operator grants it, so it is drawn only from
//! the server's `verified` flag, never from a name.

use leptos::prelude::*;

/// A check-mark seal named "Verified business" for screen readers and tests.
#[component]
pub fn VerifiedBadge() -> impl IntoView {
    view! {
        <span class="verified" role="img" aria-label="Verified business" title="Verified business">
            <svg viewBox="0 0 16 16" aria-hidden="true">
                <path d="M8 0.8l1.9 1.4 2.3-.2.7 2.2 2 1.2-.7 2.2.7 2.2-2 1.2-.7 2.2-2.3-.2L8 15.2l-1.9-1.4-2.3.2-.7-2.2-2-1.2.7-2.2-.7-2.2 2-1.2.7-2.2 2.3.2z"
                    fill="currentColor"/>
                <path d="M5 8.2l2 2 4-4.4" fill="none" stroke="#fff" stroke-width="1.6"
                    stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        </span>
    }
}

/// The business's logo, or initials when it has none.
#[component]
pub fn PartyAvatar(name: String, key: String, logo: Option<String>) -> impl IntoView {
    match logo {
        Some(src) => {
            view! { <img class="avatar logo" src=src alt="" width="40" height="40"/> }.into_any()
        }
        None => view! { <super::avatar::Avatar name=name key=key/> }.into_any(),
    }
}
