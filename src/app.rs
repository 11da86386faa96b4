//! The messenger bundle (`chats.html`): `/chats` and `/chats/{id}`. The frame it shares with
//! the other bundles is [`crate::shell`], the app-wide state [`crate::state`].

use crate::components::guard::LoggedIn;
use crate::routes::{chats, conversation};
use crate::shell::{Elsewhere, Shell};
use kontor_protocol::pages::Page;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The messenger bundle.
#[component]
pub fn App(update_ready: RwSignal<bool>) -> impl IntoView {
    view! {
        <Shell update_ready=update_ready>
            <Router>
                <Routes fallback=|| view! { <Elsewhere this=Page::Messenger/> }>
                    <ParentRoute path=path!("/chats") view=|| view! { <LoggedIn><chats::ChatsLayout/></LoggedIn> }>
                        <Route path=path!("") view=chats::NoConversation/>
                        <Route path=path!(":id") view=conversation::ConversationPane/>
                    </ParentRoute>
                </Routes>
            </Router>
        </Shell>
    }
}
