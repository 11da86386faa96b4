//! `/biz/{handle}/inbox[/{conversation_id}]`: the business's shared team inbox.
//!
//! The list is paged and filtered on the server (a business may have 10,000 conversations) and
//! re-asked whenever a teammate changes something or the connection comes back, so nobody works
//! from a stale view. The open conversation is the ordinary conversation view, answering as the
//! business, plus assignment, status, labels, private notes and who else is on it.

use crate::components::account_menu::AccountMenu;
use crate::components::biz_nav::BizNav;
use crate::components::connection_status::ConnectionStatus;
use crate::components::errors;
use crate::components::verified::VerifiedBadge;
use crate::state::AppCtx;
use crate::sync::business;
use crate::sync::{Engine, InboxEvents, SyncError};
use crate::urls::handle_param;
use kontor_protocol::RequestId;
use kontor_protocol::business::{BusinessProfile, InboxItem, Label, QuickReply, TeamMember};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;
use std::collections::HashSet;
use std::sync::Arc;

mod customer;
mod list;

use customer::CustomerConversation;
use list::InboxList;

/// What every part of the inbox shares.
#[derive(Clone)]
pub struct InboxCtx {
    /// The business.
    pub business: BusinessProfile,
    /// Its team (for assignment and names).
    pub team: RwSignal<Vec<TeamMember>>,
    /// Its labels.
    pub labels: RwSignal<Vec<Label>>,
    /// Its quick replies.
    pub quick_replies: RwSignal<Vec<QuickReply>>,
    /// Bumped when the list must be asked again.
    pub refresh: RwSignal<u64>,
    /// The newest state of items seen live, by conversation.
    pub live_items: RwSignal<Vec<InboxItem>>,
    /// A refusal to show (a write the server did not accept).
    pub problem: RwSignal<Option<String>>,
    /// Team writes sent from this page, whose refusals are ours to show.
    pub sent: StoredValue<HashSet<RequestId>>,
}

/// The route's frame: loads the business and its team, then shows list and outlet.
#[component]
pub fn InboxLayout() -> impl IntoView {
    let ctx = AppCtx::get();
    let handle = handle_param();
    let loaded = LocalResource::new(move || {
        let handle = handle.get();
        let auth = ctx.auth.get();
        async move {
            let auth = auth.ok_or(SyncError::LoggedOut)?;
            let business = business::profile(&handle).await?;
            let team = business::team(&auth.token, &handle).await?;
            let labels = business::labels(&auth.token, &handle).await?;
            let quick = business::quick_replies(&auth.token, &handle).await?;
            Ok::<_, SyncError>((business, team, labels, quick))
        }
    });
    move || {
        let engine = ctx.engine.get()?;
        // Another business's inbox keeps this one shown until it has loaded.
        Some(view! {
            <Transition fallback=|| view! { <div class="placeholder-pane">"Loading the inbox…"</div> }>
                {move || {
                    let engine = engine.clone();
                    Suspend::new(async move {
                        match loaded.await {
                            Err(e) => view! {
                                <main class="auth-page">
                                    <div class="auth-card">
                                        <h1>"Business inbox"</h1>
                                        <p role="alert">{errors::sentence(&e)}</p>
                                        <a class="btn" href="/chats">"Back to chats"</a>
                                    </div>
                                </main>
                            }
                            .into_any(),
                            Ok((business, team, labels, quick)) => {
                                let inbox = InboxCtx {
                                    business,
                                    team: RwSignal::new(team),
                                    labels: RwSignal::new(labels),
                                    quick_replies: RwSignal::new(quick),
                                    refresh: RwSignal::new(0),
                                    live_items: RwSignal::new(Vec::new()),
                                    problem: RwSignal::new(None),
                                    sent: StoredValue::new(HashSet::new()),
                                };
                                view! { <Inbox engine=engine inbox=inbox/> }.into_any()
                            }
                        }
                    })
                }}
            </Transition>
        })
    }
}

#[component]
fn Inbox(engine: Arc<Engine>, inbox: InboxCtx) -> impl IntoView {
    provide_context(inbox.clone());
    let revoked = RwSignal::new(false);
    let business_id = inbox.business.id;

    // Live frames: refresh the list, remember item states, show refusals of our writes.
    let watch = {
        let (live_items, refresh, problem, sent) =
            (inbox.live_items, inbox.refresh, inbox.problem, inbox.sent);
        engine.watch_inbox(
            business_id,
            InboxEvents {
                item: Box::new(move |item| {
                    let _ = live_items.try_update(|items| {
                        items.retain(|i| i.conversation_id != item.conversation_id);
                        items.push(item);
                    });
                }),
                refresh: Box::new(move || {
                    let _ = refresh.try_update(|r| *r += 1);
                }),
                revoked: Box::new(move || revoked.set(true)),
                refused: Box::new(move |id, message| {
                    if sent.try_with_value(|s| s.contains(&id)) == Some(true) {
                        problem.set(Some(message.to_string()));
                    }
                }),
            },
        )
    };
    on_cleanup(move || drop(watch));

    let name = inbox.business.profile.name.clone();
    let handle = inbox.business.handle.to_string();
    let location = use_location();
    let has_open = move || location.pathname.get().split('/').nth(4).is_some();
    view! {
        <Show when=move || !revoked.get() fallback=|| view! {
            <main class="auth-page">
                <div class="auth-card">
                    <h1>"Access ended"</h1>
                    <p role="alert">"You were removed from this business's team."</p>
                    <a class="btn" href="/chats">"Back to chats"</a>
                </div>
            </main>
        }>
            <div class="shell inbox-shell" class:has-conversation=has_open>
                <aside class="sidebar inbox-sidebar">
                    <header class="sidebar-header">
                        <a class="btn ghost small" href="/chats">"← Chats"</a>
                        <div class="sidebar-actions">
                            <ConnectionStatus status=engine.status/>
                            <AccountMenu/>
                        </div>
                    </header>
                    <BizNav handle=handle.clone() name=name.clone()/>
                    {inbox.business.verified.then(|| view! {
                        <p class="inbox-verified"><VerifiedBadge/>" Verified business"</p>
                    })}
                    <InboxList engine=engine.clone()/>
                </aside>
                <Outlet/>
            </div>
        </Show>
    }
}

/// `/biz/{handle}/inbox` without a conversation.
#[component]
pub fn InboxEmpty() -> impl IntoView {
    view! {
        <div class="placeholder-pane">
            <div>
                <h2>"Business inbox"</h2>
                <p>"Pick a conversation. Unassigned ones wait for someone to take them."</p>
            </div>
        </div>
    }
}

/// `/biz/{handle}/inbox/{id}`.
#[component]
pub fn InboxConversation() -> impl IntoView {
    let ctx = AppCtx::get();
    let id = crate::urls::conversation_id_param();
    move || {
        let engine = ctx.engine.get()?;
        Some(match id.get() {
            Some(id) => view! { <CustomerConversation engine=engine id=id/> }.into_any(),
            None => view! {
                <div class="placeholder-pane"><p role="alert">"No such conversation."</p></div>
            }
            .into_any(),
        })
    }
}
