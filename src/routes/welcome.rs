//! `/`: the welcome page, or the chat list when logged in.

use crate::components::brand::Brand;
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// `/`
#[component]
pub fn Home() -> impl IntoView {
    let ctx = AppCtx::get();
    move || {
        if ctx.auth.get().is_some() {
            view! { <Redirect path="/chats" options=crate::urls::replace()/> }.into_any()
        } else {
            view! { <Welcome/> }.into_any()
        }
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <Brand/>
                <h1>"Chat with the people and businesses you know"</h1>
                <p class="welcome-lead">
                    "Kontor is a messenger in your browser: talk with friends, and reach shops, "
                    "banks and airlines where their whole team can answer."
                </p>
                <div class="welcome-actions">
                    <a class="btn" href="/register">"Create account"</a>
                    <a class="btn secondary" href="/login">"Log in"</a>
                </div>
            </div>
        </main>
    }
}
