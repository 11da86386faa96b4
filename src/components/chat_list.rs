//! The chat list: every conversation, most recent first, read from IndexedDB.
//!
//! Only the rows on screen (and a few beyond each edge) are in the page: with a thousand chats,
//! drawing every row cost most of a cold start. Rows have one fixed height (`.chat-list li` in
//! the style sheet), so the scroll position says which rows show, and padding stands in for the
//! rest to keep the scroll bar true.

use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state::AppCtx;
use crate::store::ConversationRecord;
use crate::time;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Height of a row in CSS pixels; `.chat-list li` in `style/chat.css` says the same.
const ROW_PX: f64 = 68.0;
/// Rows drawn beyond each edge of the screen, so that scrolling and Tab find the next rows ready.
const OVERSCAN: usize = 8;
/// The list's height when the browser cannot say the window's: tall enough for a laptop's list.
const UNKNOWN_HEIGHT_PX: f64 = 800.0;

/// The rows `first..last` of `len` to draw when the list is scrolled to `scroll_top` and shows
/// `height` pixels.
pub fn visible_rows(len: usize, scroll_top: f64, height: f64) -> (usize, usize) {
    let top = (scroll_top.max(0.0) / ROW_PX).floor() as usize;
    let shown = (height.max(0.0) / ROW_PX).ceil() as usize;
    let first = top.min(len).saturating_sub(OVERSCAN);
    let last = (top + shown + OVERSCAN).min(len);
    (first, last)
}

/// The list, re-read from the local database whenever it changes ([`AppCtx::chats`]); only the
/// rows in view are drawn.
#[component]
pub fn ChatList() -> impl IntoView {
    let chats = AppCtx::get().chats;
    let location = use_location();
    let current = move || location.pathname.get();

    // Only "empty or not" rebuilds the list; a change inside it is the keyed `For`'s to apply,
    // so a new message re-renders one row, not all of them.
    let empty =
        Memo::new(move |_| chats.with(|c| matches!(c, Some(Some(list)) if list.is_empty())));
    let len = Memo::new(move |_| chats.with(|c| c.as_ref().flatten().map_or(0, Vec::len)));

    // Where the list (the nav, its scroller) is scrolled and how tall it is; before it is laid out, the window's height
    // is the most it can show.
    let list = NodeRef::<html::Nav>::new();
    let scroll_top = RwSignal::new(0.0);
    let height = RwSignal::new(
        window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(UNKNOWN_HEIGHT_PX),
    );
    let measure = move || {
        if let Some(nav) = list.get_untracked() {
            scroll_top.set(nav.scroll_top() as f64);
            if nav.client_height() > 0 {
                height.set(nav.client_height() as f64);
            }
        }
    };
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let rows = Memo::new(move |_| visible_rows(len.get(), scroll_top.get(), height.get()));
    // The drawn rows with their place in the list (for `aria-posinset`).
    let shown = move || {
        let (first, last) = rows.get();
        chats.with(|c| {
            c.as_ref()
                .flatten()
                .and_then(|list| list.get(first..last))
                .map(|rows| (first + 1..).zip(rows.iter().cloned()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // Set through the CSSOM (`style:`): the page's CSP refuses inline style attributes.
    let pad_top = move || format!("{}px", rows.get().0 as f64 * ROW_PX);
    let pad_bottom = move || format!("{}px", (len.get() - rows.get().1) as f64 * ROW_PX);

    view! {
        <nav class="chat-list-nav windowed" aria-label="Chats" node_ref=list
            on:scroll=move |_| measure()>
            {move || {
                if empty.get() {
                    return view! {
                        <p class="empty-list">"No chats yet. Start one with “New chat”."</p>
                    }
                    .into_any();
                }
                view! {
                    <ul class="chat-list windowed"
                        style:padding-top=pad_top style:padding-bottom=pad_bottom>
                        <For
                            each=shown
                            key=|(pos, c): &(usize, ConversationRecord)| {
                                (*pos, c.id, c.last_seq, c.unread, c.title.clone(), c.preview.clone().map(|p| p.text), c.last_activity as i64, c.verified, c.logo.clone())
                            }
                            children=move |(pos, c): (usize, ConversationRecord)| {
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
                                    <li aria-setsize=move || len.get() aria-posinset=pos>
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
