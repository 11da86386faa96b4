//! The business dashboard bundle: the routes under `/biz` and team invitations. It shares the
//! [`Shell`] (account, engine, local database, connection) with the messenger, so a business
//! conversation opened here is the same data the messenger shows. Every page but the
//! invitation (which explains itself to a logged-out visitor) is for logged-in accounts only.

use crate::components::guard::LoggedIn;
use crate::routes::{biz_settings, biz_stats, business_new, businesses, inbox, join};
use crate::shell::{Elsewhere, Shell};
use kontor_protocol::pages::Page;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The business dashboard.
#[component]
pub fn BusinessApp(update_ready: RwSignal<bool>) -> impl IntoView {
    view! {
        <Shell update_ready=update_ready>
            <Router>
                <Routes fallback=|| view! { <Elsewhere this=Page::Business/> }>
                    <Route path=path!("/join/:token") view=join::JoinTeam/>
                    <Route path=path!("/biz") view=|| view! { <LoggedIn><businesses::MyBusinesses/></LoggedIn> }/>
                    <Route path=path!("/biz/new") view=|| view! { <LoggedIn><business_new::CreateBusinessPage/></LoggedIn> }/>
                    <ParentRoute path=path!("/biz/:handle/inbox") view=|| view! { <LoggedIn><inbox::InboxLayout/></LoggedIn> }>
                        <Route path=path!("") view=inbox::InboxEmpty/>
                        <Route path=path!(":id") view=inbox::InboxConversation/>
                    </ParentRoute>
                    <Route path=path!("/biz/:handle/settings") view=|| view! { <LoggedIn><biz_settings::BusinessSettingsPage/></LoggedIn> }/>
                    <Route path=path!("/biz/:handle/stats") view=|| view! { <LoggedIn><biz_stats::BusinessStatsPage/></LoggedIn> }/>
                </Routes>
            </Router>
        </Shell>
    }
}
