//! The public pages' bundle (`index.html`): the welcome page, logging in and registering, and
//! businesses' public profiles. A first visit lands here, so it carries no local database, no
//! connection and no chats: those are the messenger's bundle, loaded once the visitor has an
//! account.

use crate::routes::{business_profile, login, welcome};
use crate::shell::{Elsewhere, PublicShell};
use kontor_protocol::pages::Page;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The public pages.
#[component]
pub fn PublicApp(update_ready: RwSignal<bool>) -> impl IntoView {
    view! {
        <PublicShell update_ready=update_ready>
            <Router>
                <Routes fallback=|| view! { <Elsewhere this=Page::Public/> }>
                    <Route path=path!("/") view=welcome::Home/>
                    <Route path=path!("/login") view=login::Login/>
                    <Route path=path!("/register") view=login::Register/>
                    <Route path=path!("/b/:handle") view=business_profile::BusinessProfilePage/>
                </Routes>
            </Router>
        </PublicShell>
    }
}
