//! `/chats/{id}`: one conversation ([`Conversation`]).

use crate::components::conversation::{Conversation, Unavailable};
use crate::state::AppCtx;
use crate::urls::conversation_id_param;
use leptos::prelude::*;

/// The route: resolves the id, then shows the conversation.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let ctx = AppCtx::get();
    let id = conversation_id_param();
    move || {
        let engine = ctx.engine.get()?;
        Some(match id.get() {
            Some(id) => view! { <Conversation engine=engine id=id/> }.into_any(),
            None => view! { <Unavailable/> }.into_any(),
        })
    }
}
