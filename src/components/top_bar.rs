//! The bar on top of the business pages, and the alert line they show errors in.

use crate::components::account_menu::AccountMenu;
use crate::components::brand::Brand;
use crate::state::AppCtx;
use leptos::prelude::*;

/// A message in an element with role `alert`.
pub fn alert(message: String) -> impl IntoView {
    view! { <p class="alert" role="alert">{message}</p> }
}

/// The bar on top of the business pages: the brand (home) and, logged in, the chats and the
/// account menu (logged out, each page offers its own way to log in).
#[component]
pub fn TopBar() -> impl IntoView {
    let ctx = AppCtx::get();
    let logged_in = move || ctx.auth.with(Option::is_some);
    view! {
        <header class="biz-topbar">
            <a class="biz-home" aria-label="Kontor" href=move || if logged_in() { "/chats" } else { "/" }>
                <Brand/>
            </a>
            <div class="biz-topbar-actions">
                <Show when=logged_in>
                    <a class="btn ghost small" href="/chats">"Chats"</a>
                    <AccountMenu/>
                </Show>
            </div>
        </header>
    }
}
