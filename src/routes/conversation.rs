//! `/chats/{id}`: one conversation ([`Conversation`]) with the messenger's "Chat options"
//! (block, report) and, while the other party is blocked, a notice instead of the composer.

use crate::components::conversation::{Conversation, Unavailable};
use crate::components::safety::{BlockedNotice, Blocks, ChatOptions};
use crate::state::AppCtx;
use crate::sync::Engine;
use crate::urls::conversation_id_param;
use kontor_protocol::ConversationId;
use leptos::prelude::*;
use std::sync::Arc;

/// The route: resolves the id, then shows the conversation.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let ctx = AppCtx::get();
    let id = conversation_id_param();
    move || {
        let engine = ctx.engine.get()?;
        Some(match id.get() {
            Some(id) => view! { <Chat engine=engine id=id/> }.into_any(),
            None => view! { <Unavailable/> }.into_any(),
        })
    }
}

/// The other party of a chat, as stored here: (handle, name).
type Peer = Option<(String, String)>;

/// One chat of the messenger.
#[component]
fn Chat(engine: Arc<Engine>, id: ConversationId) -> impl IntoView {
    let blocks = Blocks::get();
    let db = engine.db.clone();
    let peer = LocalResource::new(move || {
        let db = db.clone();
        async move {
            db.conversation(id)
                .await
                .ok()
                .flatten()
                .filter(|c| !c.peer_handle.is_empty())
                .map(|c| (c.peer_handle, c.title))
        }
    });
    let peer: Signal<Peer> = Signal::derive(move || peer.get().flatten());
    let locked =
        Signal::derive(move || peer.with(|p| p.as_ref().is_some_and(|(h, _)| blocks.has(h))));
    let toolbar = ViewFn::from(move || {
        peer.get().map(|(handle, name)| {
            view! { <ChatOptions conversation_id=id handle=handle name=name/> }
        })
    });
    let notice = ViewFn::from(move || {
        peer.get()
            .map(|(handle, name)| view! { <BlockedNotice handle=handle name=name/> })
    });
    view! { <Conversation engine=engine id=id toolbar=toolbar locked=locked locked_view=notice/> }
}
