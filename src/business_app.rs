//! The business dashboard bundle: the routes under `/biz` and team invitations. It shares the
//! [`Shell`] (account, engine, local database, connection) with the messenger, so a business
//! conversation opened here is the same data the messenger shows.

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
                    <Route path=path!("/biz") view=businesses::MyBusinesses/>
                    <Route path=path!("/biz/new") view=business_new::CreateBusinessPage/>
                    <ParentRoute path=path!("/biz/:handle/inbox") view=inbox::InboxLayout>
                        <Route path=path!("") view=inbox::InboxEmpty/>
                        <Route path=path!(":id") view=inbox::InboxConversation/>
                    </ParentRoute>
                    <Route path=path!("/biz/:handle/settings") view=biz_settings::BusinessSettingsPage/>
                    <Route path=path!("/biz/:handle/stats") view=biz_stats::BusinessStatsPage/>
                </Routes>
            </Router>
        </Shell>
    }
}
