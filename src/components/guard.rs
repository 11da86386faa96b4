//! The one login guard of the pages for logged-in accounts: the routers wrap every such page in
//! [`LoggedIn`], so no page checks the session itself.

use crate::state::AppCtx;
use crate::urls::{self, login_then, path_and_query};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// Shows its children to a logged-in account. A logged-out visitor goes to the login page, which
/// brings them back to this address, query included (`/chats?with=nordbank`), afterwards.
///
/// Not leptos_router's `ProtectedRoute`: its redirect adds a history entry, so Back would return
/// to the page that just sent the visitor away.
#[component]
pub fn LoggedIn(children: ChildrenFn) -> impl IntoView {
    let ctx = AppCtx::get();
    let location = use_location();
    // Only logging in or out redraws the page, not another change of the session.
    let logged_in = Memo::new(move |_| ctx.auth.with(Option::is_some));
    move || {
        if logged_in.get() {
            children().into_any()
        } else {
            let back = login_then(&path_and_query(&location));
            view! { <Redirect path=back options=urls::replace()/> }.into_any()
        }
    }
}
