//! The chat list: every conversation, most recent first, read from IndexedDB.

use crate::app::AppCtx;
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::store::ConversationRecord;
use crate::time;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The list, re-read from the local database whenever it changes ([`AppCtx::chats`]).
#[component]
pub fn ChatList() -> impl IntoView {
    let chats = AppCtx::get().chats;
    let conversations = move || chats.get().flatten();
    let location = use_location();
    let current = move || location.pathname.get();

    // Only "empty or not" rebuilds the list; a change inside it is the keyed `For`'s to apply,
    // so a new message re-renders one row, not all of them.
    let empty =
        Memo::new(move |_| chats.with(|c| matches!(c, Some(Some(list)) if list.is_empty())));

    view! {
        <nav class="chat-list-nav" aria-label="Chats">
            {move || {
                if empty.get() {
                    return view! {
                        <p class="empty-list">"No chats yet. Start one with “New chat”."</p>
                    }
                    .into_any();
                }
                view! {
                    <ul class="chat-list">
                        <For
                            each=move || conversations().unwrap_or_default()
                            key=|c: &ConversationRecord| {
                                (c.id, c.last_seq, c.unread, c.title.clone(), c.preview.clone().map(|p| p.text), c.last_activity as i64, c.verified, c.logo.clone())
                            }
                            children=move |c: ConversationRecord| {
                                let href = format!("/chats/{}", c.id);
                                let active_href = href.clone();
                                let is_current = move || current() == active_href;
                                let unread = c.unread;
                                let preview = c
                                    .preview
                                    .clone()
                                    .map(|p| if p.from_me { format!("You: {}", p.text) } else { p.text })
                                    .unwrap_or_else(|| format!("@{}", c.peer_handle));
                                view! {
                                    <li>
                                        <a class="chat-link" href=href
                                            aria-current=move || is_current().then_some("page")>
                                            <PartyAvatar name=c.title.clone() key=c.peer_handle.clone()
                                                logo=c.logo.clone()/>
                                            <span class="chat-name">
                                                {c.title.clone()}
                                                {c.verified.then(|| view! { <VerifiedBadge/> })}
                                            </span>
                                            <span class="chat-time">{time::short(c.last_activity)}</span>
                                            <span class="chat-preview">{preview}</span>
                                            {(unread > 0).then(|| view! {
                                                <span class="unread" aria-hidden="true">{unread}</span>
                                                <span class="visually-hidden">{format!("{unread} unread")}</span>
                                            })}
                                        </a>
                                    </li>
                                }
                            }
                        />
                    </ul>
                }
                .into_any()
            }}
        </nav>
    }
}
