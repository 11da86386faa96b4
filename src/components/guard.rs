//! Pages for logged-in accounts only: a logged-out visitor goes to the login page and comes back
//! afterwards.

use crate::state::AppCtx;
use crate::urls::{self, handle_param, login_then};
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// A team page of the business in the route's `:handle` (`/biz/{handle}/{section}`): logged-out
/// visitors go to the login page and come back here afterwards.
pub fn team_page(
    section: &'static str,
    page: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = AppCtx::get();
    let handle = handle_param();
    move || {
        let handle = handle.get();
        if ctx.auth.with(Option::is_none) {
            let back = login_then(&format!("/biz/{handle}/{section}"));
            view! { <Redirect path=back options=urls::replace()/> }.into_any()
        } else {
            page(handle)
        }
    }
}
