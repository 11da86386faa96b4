//! The inbox list: views (Unassigned, Mine, All), filters and the paged list of conversations.

use crate::components::errors;
use crate::sync::{ConnStatus, Engine};
use crate::time;
use kontor_protocol::LabelId;
use kontor_protocol::business::{
    InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, InboxView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use std::sync::Arc;

use super::InboxCtx;

/// The views, filters and the list.
#[component]
pub(super) fn InboxList(engine: Arc<Engine>) -> impl IntoView {
    let inbox = expect_context::<InboxCtx>();
    let view_sel = RwSignal::new(InboxView::Unassigned);
    let status = RwSignal::new(Some(InboxStatus::Open));
    let label = RwSignal::new(None::<LabelId>);
    let items = RwSignal::new(Vec::<InboxItem>::new());
    let counts = RwSignal::new(InboxCounts::default());
    let next = RwSignal::new(None::<InboxCursor>);
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let business = inbox.business.id;
    let me = engine.me.id;
    let status_signal = engine.status;
    let offline = Memo::new(move |_| status_signal.get() != ConnStatus::Online);

    // (Re)load the first page whenever the filter changes, a teammate changed something, or
    // the connection came back. An older answer never overwrites a newer one.
    let generation = StoredValue::new(0u64);
    {
        let engine = engine.clone();
        Effect::new(move || {
            let filter = InboxFilter {
                view: view_sel.get(),
                status: status.get(),
                label: label.get(),
            };
            inbox.refresh.track();
            let online = engine.status.get() == ConnStatus::Online;
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            let engine = engine.clone();
            spawn_local(async move {
                // What this device saw shows at once (and offline); the server's page follows.
                if (!loaded.get_untracked() || !online)
                    && let Ok((local, local_counts)) =
                        engine.db.inbox_page_local(business, &filter, me).await
                    && generation.get_value() == mine
                {
                    items.set(local);
                    counts.set(local_counts);
                    next.set(None);
                    loaded.set(true);
                }
                if !online {
                    return;
                }
                let page = engine.inbox_page(business, filter, None).await;
                if generation.get_value() != mine {
                    return;
                }
                match page {
                    Ok(page) => {
                        let _ = engine.db.save_inbox_items(&page.items).await;
                        items.set(page.items);
                        counts.set(page.counts);
                        next.set(page.next);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(errors::sentence(&e))),
                }
                loaded.set(true);
            });
        });
    }
    let load_more = {
        let engine = engine.clone();
        move |_| {
            let Some(cursor) = next.get_untracked() else {
                return;
            };
            let filter = InboxFilter {
                view: view_sel.get_untracked(),
                status: status.get_untracked(),
                label: label.get_untracked(),
            };
            let engine = engine.clone();
            spawn_local(async move {
                match engine.inbox_page(business, filter, Some(cursor)).await {
                    Ok(page) => {
                        let _ = engine.db.save_inbox_items(&page.items).await;
                        items.update(|i| i.extend(page.items));
                        next.set(page.next);
                    }
                    Err(e) => error.set(Some(errors::sentence(&e))),
                }
            });
        }
    };

    let tab = move |v: InboxView, name: &'static str| {
        let count = move || {
            let c = counts.get();
            match v {
                InboxView::Unassigned => c.unassigned,
                InboxView::Mine => c.mine,
                InboxView::All => c.all,
            }
        };
        view! {
            <button type="button" role="tab" class="inbox-tab"
                aria-selected=move || (view_sel.get() == v).to_string()
                aria-label=name
                on:click=move |_| view_sel.set(v)>
                <span>{name}</span>
                <span class="count" aria-hidden="true">{count}</span>
            </button>
        }
    };
    let location = use_location();
    let handle = inbox.business.handle.to_string();
    view! {
        <div class="inbox-tabs" role="tablist" aria-label="Inbox views">
            {tab(InboxView::Unassigned, "Unassigned")}
            {tab(InboxView::Mine, "Mine")}
            {tab(InboxView::All, "All")}
        </div>
        <div class="inbox-filters">
            <label>
                <span class="visually-hidden">"Status filter"</span>
                <select aria-label="Status filter" on:change=move |ev| {
                    status.set(InboxStatus::parse(&event_target_value(&ev)));
                }>
                    <option value="">"All statuses"</option>
                    {InboxStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || status.get() == Some(s)>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span class="visually-hidden">"Label filter"</span>
                <select aria-label="Label filter" on:change=move |ev| {
                    label.set(event_target_value(&ev).parse().ok());
                }>
                    <option value="">"All labels"</option>
                    {move || inbox.labels.get().into_iter().map(|l| view! {
                        <option value=l.id.to_string()>{l.name}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>
        {move || error.get().map(|e| view! { <p class="inbox-error" role="alert">{e}</p> })}
        <Show when=move || offline.get()>
            <p class="inbox-offline">"Offline: showing the conversations saved on this device."</p>
        </Show>
        <nav class="chat-list-nav" aria-label="Inbox">
            <Show when=move || loaded.get() && items.with(Vec::is_empty)>
                <p class="empty-list">"Nothing here."</p>
            </Show>
            <ul class="chat-list">
                <For each=move || items.get()
                    key=|i: &InboxItem| (i.conversation_id, i.last_seq, i.unread, i.status, i.assignee.as_ref().map(|a| a.id), i.labels.clone())
                    children=move |i: InboxItem| {
                        let href = format!("/biz/{}/inbox/{}", handle, i.conversation_id);
                        let current = href.clone();
                        let is_current = move || location.pathname.get() == current;
                        let holder = match &i.assignee {
                            Some(a) if a.id == me => "Assigned to you".to_string(),
                            Some(a) => format!("Assigned to {}", a.display_name),
                            None => "Unassigned".to_string(),
                        };
                        let labels = inbox.labels;
                        let ids = i.labels.clone();
                        view! {
                            <li>
                                <a class="chat-link inbox-item" href=href
                                    aria-current=move || is_current().then_some("page")>
                                    <crate::components::avatar::Avatar name=i.customer.display_name.clone()
                                        key=i.customer.handle.to_string()/>
                                    <span class="chat-name">{i.customer.display_name.clone()}</span>
                                    <span class="chat-time">{time::short(i.last_activity.0 as f64)}</span>
                                    <span class="chat-preview">{i.preview.clone()}</span>
                                    <span class="inbox-meta">
                                        <span class=format!("status-chip {}", i.status.as_str())>{i.status.label()}</span>
                                        <span>{holder}</span>
                                        {move || labels.get().into_iter().filter(|l| ids.contains(&l.id)).map(|l| view! {
                                            <span class="label-chip" style=("--label", l.color.clone())>{l.name}</span>
                                        }).collect_view()}
                                    </span>
                                    {(i.unread > 0).then(|| view! {
                                        <span class="unread" aria-hidden="true">{i.unread}</span>
                                        <span class="visually-hidden">{format!("{} unread", i.unread)}</span>
                                    })}
                                </a>
                            </li>
                        }
                    }/>
            </ul>
            <Show when=move || next.get().is_some()>
                <button class="btn secondary small load-more" type="button" on:click=load_more.clone()>
                    "Load more"
                </button>
            </Show>
        </nav>
    }
}
