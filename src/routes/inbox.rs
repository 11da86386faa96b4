//! `/biz/{handle}/inbox[/{conversation_id}]`: the business's shared team inbox.
//!
//! The list is paged and filtered on the server (a business may have 10,000 conversations) and
//! re-asked whenever a teammate changes something or the connection comes back, so nobody works
//! from a stale view. The open conversation is the ordinary conversation view, answering as the
//! business, plus assignment, status, labels, private notes and who else is on it.

use crate::components::account_menu::AccountMenu;
use crate::components::biz_nav::BizNav;
use crate::components::connection_status::ConnectionStatus;
use crate::components::conversation::Conversation;
use crate::components::errors;
use crate::components::verified::VerifiedBadge;
use crate::state::AppCtx;
use crate::sync::SyncResult;
use crate::sync::business;
use crate::sync::{ConnStatus, Engine};
use crate::time;
use kontor_protocol::business::{
    Activity, BusinessProfile, CustomerPanel, InboxCounts, InboxCursor, InboxFilter, InboxItem,
    InboxStatus, InboxView, Label, Note, QuickReply, Snooze, TeamMember,
};
use kontor_protocol::{ConversationId, LabelId, RequestId, ServerFrame, Timestamp, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use std::collections::HashSet;
use std::sync::Arc;

/// How often an agent with a conversation open says so to teammates.
const VIEWING_EVERY_MS: u32 = 20_000;
/// How long a teammate's activity shows without a repeat.
const ACTIVITY_SHOWN_MS: f64 = 30_000.0;

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
    let params = use_params_map();
    let handle = Memo::new(move |_| params.read().get("handle").unwrap_or_default());
    let navigate = use_navigate();
    Effect::new(move || {
        if ctx.auth.get().is_none() {
            navigate(
                &format!("/login?next=/biz/{}/inbox", handle.get_untracked()),
                Default::default(),
            );
        }
    });
    let loaded = LocalResource::new(move || {
        let handle = handle.get();
        let auth = ctx.auth.get();
        async move {
            let auth = auth.ok_or_else(|| "Please log in first.".to_string())?;
            let business = business::profile(&handle)
                .await
                .map_err(|e| e.to_string())?;
            let team = business::team(&auth.token, &handle)
                .await
                .map_err(|e| e.to_string())?;
            let labels = business::labels(&auth.token, &handle)
                .await
                .map_err(|e| e.to_string())?;
            let quick = business::quick_replies(&auth.token, &handle)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((business, team, labels, quick))
        }
    });
    move || {
        let engine = ctx.engine.get()?;
        Some(match loaded.get() {
            None => view! { <div class="placeholder-pane">"Loading the inbox…"</div> }.into_any(),
            Some(Err(e)) => view! {
                <main class="auth-page">
                    <div class="auth-card">
                        <h1>"Business inbox"</h1>
                        <p role="alert">{e}</p>
                        <a class="btn" href="/chats">"Back to chats"</a>
                    </div>
                </main>
            }
            .into_any(),
            Some(Ok((business, team, labels, quick))) => {
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
        })
    }
}

#[component]
fn Inbox(engine: Arc<Engine>, inbox: InboxCtx) -> impl IntoView {
    provide_context(inbox.clone());
    let revoked = RwSignal::new(false);
    let business_id = inbox.business.id;

    // Live frames: refresh the list (debounced), remember item states, show refusals.
    let pending_refresh = StoredValue::new(false);
    let listener = {
        let inbox = inbox.clone();
        let db = engine.db.clone();
        engine.listen(move |frame| match frame {
            ServerFrame::InboxItem { item } if item.business == business_id => {
                let item = item.clone();
                {
                    let db = db.clone();
                    let saved = item.clone();
                    spawn_local(async move {
                        let _ = db.save_inbox_items(&[saved]).await;
                    });
                }
                inbox.live_items.update(|items| {
                    items.retain(|i| i.conversation_id != item.conversation_id);
                    items.push(item);
                });
                if !pending_refresh.get_value() {
                    pending_refresh.set_value(true);
                    let refresh = inbox.refresh;
                    spawn_local(async move {
                        gloo_timers::future::TimeoutFuture::new(150).await;
                        pending_refresh.set_value(false);
                        refresh.update(|r| *r += 1);
                    });
                }
            }
            ServerFrame::AccessRevoked { business } if *business == business_id => {
                revoked.set(true);
            }
            ServerFrame::Error {
                message,
                request_id: Some(id),
                ..
            } if inbox.sent.with_value(|s| s.contains(id)) => {
                inbox.problem.set(Some(message.clone()));
            }
            _ => {}
        })
    };
    {
        let engine = engine.clone();
        on_cleanup(move || engine.unlisten(listener));
    }
    // After a reconnect, ask again: a colleague may have answered meanwhile.
    let status = engine.status;
    Effect::new(move |was: Option<ConnStatus>| {
        let now = status.get();
        if was.is_some_and(|w| w != ConnStatus::Online) && now == ConnStatus::Online {
            inbox.refresh.update(|r| *r += 1);
        }
        now
    });

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

/// The views, filters and the list.
#[component]
fn InboxList(engine: Arc<Engine>) -> impl IntoView {
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
                                            <span class="label-chip" style=format!("--label: {}", l.color)>{l.name}</span>
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

/// A teammate's activity in the open conversation.
#[derive(Clone, Debug, PartialEq)]
struct Presence {
    user: UserId,
    name: String,
    activity: Activity,
    until: f64,
}

#[component]
fn CustomerConversation(engine: Arc<Engine>, id: ConversationId) -> impl IntoView {
    let inbox = expect_context::<InboxCtx>();
    let me = engine.me.id;
    let opened = RwSignal::new(None::<Result<(InboxItem, CustomerPanel), String>>);
    let notes = RwSignal::new(Vec::<Note>::new());
    let note_mode = RwSignal::new(false);
    let presence = RwSignal::new(Vec::<Presence>::new());

    // Open: the conversation, its state and customer panel, the notes; again after a reconnect.
    let open = {
        let engine = engine.clone();
        move || {
            let engine = engine.clone();
            spawn_local(async move {
                let result = engine.open_customer(id).await;
                if result.is_ok() {
                    match engine.notes(id).await {
                        Ok(n) => notes.set(n),
                        Err(e) => inbox.problem.set(Some(errors::sentence(&e))),
                    }
                }
                opened.set(Some(result.map_err(|e| errors::sentence(&e))));
            });
        }
    };
    {
        let open = open.clone();
        let status = engine.status;
        Effect::new(move |was: Option<ConnStatus>| {
            let now = status.get();
            let first = was.is_none();
            let back_online = was.is_some_and(|w| w != ConnStatus::Online);
            if now == ConnStatus::Online && (first || back_online) {
                open();
            }
            now
        });
    }

    // Live: the item (assignment, status, labels), notes, teammates' activity.
    let listener = {
        let engine = engine.clone();
        engine.clone().listen(move |frame| match frame {
            ServerFrame::InboxItem { item } if item.conversation_id == id => {
                let item = item.clone();
                // A message this device missed (it was not live): fetch the newest page.
                let engine = engine.clone();
                spawn_local(async move {
                    let behind = engine
                        .db
                        .conversation(id)
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|c| c.last_seq < item.last_seq);
                    if behind {
                        let _ = engine.load_latest(id).await;
                    }
                    opened.update(|o| {
                        if let Some(Ok((current, _))) = o {
                            *current = item;
                        }
                    });
                });
            }
            ServerFrame::Note { note } if note.conversation_id == id => {
                let note = note.clone();
                notes.update(|n| {
                    if !n.iter().any(|x| x.id == note.id) {
                        n.push(note);
                        n.sort_by_key(|x| x.created_at);
                    }
                });
            }
            ServerFrame::Activity {
                conversation_id,
                user,
                activity,
            } if *conversation_id == id && user.id != me => {
                let entry = Presence {
                    user: user.id,
                    name: user.display_name.clone(),
                    activity: *activity,
                    until: js_sys::Date::now()
                        + if *activity == Activity::Typing {
                            5_000.0
                        } else {
                            ACTIVITY_SHOWN_MS
                        },
                };
                let arrived = entry.activity == Activity::Viewing
                    && presence.with_untracked(|p| !p.iter().any(|x| x.user == entry.user));
                presence.update(|p| {
                    p.retain(|x| x.user != entry.user);
                    if entry.activity != Activity::Left {
                        p.push(entry);
                    }
                });
                // Someone just opened it: say that I am here too, so they know at once.
                if arrived {
                    engine.activity(id, Activity::Viewing);
                }
            }
            _ => {}
        })
    };
    // Tell teammates this conversation is open here, until it closes.
    engine.activity(id, Activity::Viewing);
    let alive = StoredValue::new(true);
    {
        let engine = engine.clone();
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(VIEWING_EVERY_MS).await;
                if !alive.try_get_value().unwrap_or(false) {
                    break;
                }
                engine.activity(id, Activity::Viewing);
                let now = js_sys::Date::now();
                let _ = presence.try_update(|p| p.retain(|x| x.until > now));
            }
        });
    }
    {
        let engine = engine.clone();
        on_cleanup(move || {
            alive.set_value(false);
            engine.unlisten(listener);
            engine.activity(id, Activity::Left);
        });
    }

    let item = Memo::new(move |_| opened.get().and_then(|o| o.ok()).map(|(item, _)| item));
    let status_line = Signal::derive(move || {
        let now = js_sys::Date::now();
        let others: Vec<String> = presence.with(|p| {
            p.iter()
                .filter(|x| x.until > now)
                .map(|x| match x.activity {
                    Activity::Typing => format!("{} is typing…", x.name),
                    _ => format!("{} is viewing", x.name),
                })
                .collect()
        });
        let holder = item.get().map(|i| match i.assignee {
            Some(a) if a.id == me => "Assigned to you".to_string(),
            Some(a) => format!("Assigned to {}", a.display_name),
            None => "Unassigned".to_string(),
        });
        let mut parts: Vec<String> = holder.into_iter().collect();
        parts.extend(others);
        (!parts.is_empty()).then(|| parts.join(" · "))
    });

    let remember = move |r: SyncResult<RequestId>| match r {
        Ok(request) => {
            inbox.sent.update_value(|s| {
                s.insert(request);
            });
            inbox.problem.set(None);
        }
        Err(e) => inbox.problem.set(Some(errors::sentence(&e))),
    };
    let toolbar = {
        let engine = engine.clone();
        let team = inbox.team;
        ViewFn::from(move || {
            let assign_me = {
                let engine = engine.clone();
                move |_| remember(engine.assign(id, Some(me)))
            };
            let assign_to = {
                let engine = engine.clone();
                move |ev| {
                    let value = event_target_value(&ev);
                    remember(engine.assign(id, value.parse::<UserId>().ok()));
                }
            };
            let set_status = {
                let engine = engine.clone();
                move |ev| {
                    let Some(status) = InboxStatus::parse(&event_target_value(&ev)) else {
                        return;
                    };
                    // Snoozed from here means: until the customer writes again.
                    let snooze = (status == InboxStatus::Snoozed).then_some(Snooze::NextMessage);
                    remember(engine.set_inbox_status(id, status, snooze));
                }
            };
            let snooze_until = {
                let engine = engine.clone();
                move |ev| {
                    let value = event_target_value(&ev);
                    let snooze = if value == "next" {
                        Snooze::NextMessage
                    } else if let Ok(hours) = value.parse::<u32>() {
                        let at = js_sys::Date::now() as i64 + i64::from(hours) * 3_600_000;
                        Snooze::Time { at: Timestamp(at) }
                    } else {
                        return;
                    };
                    remember(engine.set_inbox_status(id, InboxStatus::Snoozed, Some(snooze)));
                }
            };
            let mine = move || {
                item.get()
                    .and_then(|i| i.assignee)
                    .is_some_and(|a| a.id == me)
            };
            view! {
                <Show when=move || !mine()>
                    <button class="btn small" type="button" on:click=assign_me.clone()>"Assign to me"</button>
                </Show>
                <label class="visually-hidden" for="assignee">"Assign to teammate"</label>
                <select id="assignee" aria-label="Assign to teammate" on:change=assign_to.clone()>
                    <option value="" selected=move || item.get().is_some_and(|i| i.assignee.is_none())>"Nobody"</option>
                    {move || team.get().into_iter().map(|m| {
                        let uid = m.user.id;
                        view! {
                            <option value=uid.to_string()
                                selected=move || item.get().and_then(|i| i.assignee).is_some_and(|a| a.id == uid)>
                                {m.user.display_name.clone()}
                            </option>
                        }
                    }).collect_view()}
                </select>
                <label class="visually-hidden" for="status">"Status"</label>
                <select id="status" aria-label="Status" on:change=set_status.clone()>
                    {InboxStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str()
                            selected=move || item.get().is_some_and(|i| i.status == s)>{s.label()}</option>
                    }).collect_view()}
                </select>
                <Show when=move || item.get().is_some_and(|i| i.status == InboxStatus::Snoozed)>
                    <label class="visually-hidden" for="snooze">"Snooze until"</label>
                    <select id="snooze" aria-label="Snooze until" on:change=snooze_until.clone()>
                        <option value="next" selected=move || item.get().is_some_and(|i| i.snooze == Some(Snooze::NextMessage))>
                            "The customer writes"
                        </option>
                        {move || match item.get().and_then(|i| i.snooze) {
                            Some(Snooze::Time { at }) => Some(view! {
                                <option value="" selected=true>{format!("{} {}", time::day_label(at.0 as f64), time::clock(at.0 as f64))}</option>
                            }),
                            _ => None,
                        }}
                        <option value="1">"In 1 hour"</option>
                        <option value="3">"In 3 hours"</option>
                        <option value="24">"In 1 day"</option>
                        <option value="168">"In 1 week"</option>
                    </select>
                </Show>
                <button class="btn small secondary" type="button"
                    aria-pressed=move || note_mode.get().to_string()
                    on:click=move |_| note_mode.update(|n| *n = !*n)>
                    "Private note"
                </button>
            }
            .into_any()
        })
    };

    let back = format!("/biz/{}/inbox", inbox.business.handle);
    let quick = inbox.quick_replies;
    let labels = inbox.labels;
    let toggle_label = {
        let engine = engine.clone();
        move |label: LabelId| {
            let Some(current) = item.get_untracked() else {
                return;
            };
            let mut next = current.labels.clone();
            if next.contains(&label) {
                next.retain(|l| *l != label);
            } else {
                next.push(label);
            }
            remember(engine.set_labels(id, next));
        }
    };
    let ready = move || {
        let toggle_label = toggle_label.clone();
        view! {
            {move || inbox.problem.get().map(|p| view! { <p class="inbox-error floating" role="alert">{p}</p> })}
            <Conversation engine=engine.clone() id=id back=back.clone() toolbar=toolbar.clone()
                notes=notes quick_replies=Signal::from(quick) note_mode=note_mode
                status_line=status_line/>
            <aside class="customer-panel" aria-label="Customer">
                {move || opened.get().and_then(|o| o.ok()).map(|(_, panel)| {
                    let toggle_label = toggle_label.clone();
                    view! {
                        <h3>{panel.customer.display_name.clone()}</h3>
                        <p class="handle">{format!("@{}", panel.customer.handle)}</p>
                        <p>{format!("First contact {}", time::day_label(panel.first_contact.0 as f64))}</p>
                        <h4>"Labels"</h4>
                        <ul class="label-toggles">
                            {move || labels.get().into_iter().map(|l| {
                                let on = move || item.get().is_some_and(|i| i.labels.contains(&l.id));
                                let toggle = toggle_label.clone();
                                let lid = l.id;
                                view! {
                                    <li>
                                        <label>
                                            <input type="checkbox" prop:checked=on
                                                on:change=move |_| toggle(lid)/>
                                            <span class="label-chip" style=format!("--label: {}", l.color)>{l.name.clone()}</span>
                                        </label>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <h4>"Past conversations"</h4>
                        <ul class="episodes">
                            {panel.episodes.iter().map(|e| view! {
                                <li>{episode_text(e.opened_at, e.resolved_at, e.messages)}</li>
                            }).collect_view()}
                        </ul>
                    }
                })}
            </aside>
        }
    };
    // Built once when the conversation opens: the composer keeps what is being typed while the
    // item and notes update around it.
    let is_open = Memo::new(move |_| matches!(opened.get(), Some(Ok(_))));
    view! {
        {move || match opened.get() {
            None => Some(view! { <div class="placeholder-pane">"Opening…"</div> }.into_any()),
            Some(Err(e)) => Some(view! {
                <div class="placeholder-pane"><p role="alert">{e}</p></div>
            }
            .into_any()),
            Some(Ok(_)) => None,
        }}
        {move || is_open.get().then(ready.clone())}
    }
}

fn episode_text(opened: Timestamp, resolved: Option<Timestamp>, messages: u32) -> String {
    let from = time::day_label(opened.0 as f64);
    let noun = if messages == 1 { "message" } else { "messages" };
    match resolved {
        Some(r) => format!(
            "{from} – resolved {}: {messages} {noun}",
            time::day_label(r.0 as f64)
        ),
        None => format!("{from} – open: {messages} {noun}"),
    }
}
