//! One customer conversation in the inbox: the conversation view answering as the business,
//! with assignment, status, labels, private notes and who else is on it.

use crate::components::conversation::Conversation;
use crate::components::errors;
use crate::sync::SyncResult;
use crate::sync::{ConnStatus, CustomerEvents, CustomerWatch, Engine};
use crate::time;
use kontor_protocol::business::{Activity, CustomerPanel, InboxItem, InboxStatus, Note, Snooze};
use kontor_protocol::{ConversationId, LabelId, RequestId, Timestamp, UserId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

use super::InboxCtx;

#[component]
pub(super) fn CustomerConversation(engine: Arc<Engine>, id: ConversationId) -> impl IntoView {
    let inbox = expect_context::<InboxCtx>();
    let me = engine.me.id;
    let opened = RwSignal::new(None::<Result<(InboxItem, CustomerPanel), String>>);
    let notes = RwSignal::new(Vec::<Note>::new());
    let note_mode = RwSignal::new(false);

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

    // Live: the item (assignment, status, labels), notes, teammates' activity; teammates hear
    // that it is open here until it closes.
    let CustomerWatch { presence, watch } = engine.watch_customer(
        id,
        CustomerEvents {
            item: Box::new(move |item| {
                let _ = opened.try_update(|o| {
                    if let Some(Ok((current, _))) = o {
                        *current = item;
                    }
                });
            }),
            note: Box::new(move |note| {
                let _ = notes.try_update(|n| {
                    if !n.iter().any(|x| x.id == note.id) {
                        n.push(note);
                        n.sort_by_key(|x| x.created_at);
                    }
                });
            }),
        },
    );
    on_cleanup(move || drop(watch));

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
                        let at = js_sys::Date::now() as i64 + i64::from(hours) * time::HOUR_MS;
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
                                            <span class="label-chip" style=("--label", l.color.clone())>{l.name.clone()}</span>
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
