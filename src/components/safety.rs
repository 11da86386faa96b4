//! Blocking and reporting in the messenger: the conversation's "Chat options" menu (block,
//! unblock, report), what shows instead of the composer while the other party is blocked, and
//! the "Blocked accounts" dialog of the account menu.
//!
//! Who is blocked is asked of the server when the messenger opens and after each change made
//! here ([`Blocks`]); a block made on another device shows after a reload, and until then the
//! server refuses a message to a blocked account with a sentence saying so.

use crate::components::errors;
use crate::state::{self, AppCtx};
use kontor_protocol::ConversationId;
use kontor_protocol::safety::{BlockedAccount, MAX_REPORT_NOTE_CHARS, NewReport, ReportReason};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Who this account blocked, shared by the messenger's views (`None` until the server said),
/// with the app state its requests take the session from (event handlers run outside the
/// component tree, where context cannot be looked up).
#[derive(Clone, Copy)]
pub struct Blocks {
    list: RwSignal<Option<Vec<BlockedAccount>>>,
    ctx: AppCtx,
}

impl Blocks {
    /// Provides the list to the messenger's views and asks the server for it.
    pub fn provide() -> Self {
        let blocks = Self {
            list: RwSignal::new(None),
            ctx: AppCtx::get(),
        };
        provide_context(blocks);
        blocks.refresh();
        blocks
    }

    /// The list provided by [`Blocks::provide`] (call while building a view).
    pub fn get() -> Self {
        use_context().unwrap_or_else(|| Self {
            list: RwSignal::new(Some(Vec::new())),
            ctx: AppCtx::get(),
        })
    }

    /// Asks the server again (quietly: offline, the last answer stays).
    pub fn refresh(self) {
        let Ok(token) = state::token(self.ctx) else {
            return;
        };
        spawn_local(async move {
            if let Ok(list) = crate::sync::safety::blocked(&token).await {
                self.list.set(Some(list));
            }
        });
    }

    /// Whether the party with this handle is blocked (reactive).
    pub fn has(self, handle: &str) -> bool {
        self.list.with(|list| {
            list.as_ref()
                .is_some_and(|l| l.iter().any(|b| b.user.handle.as_str() == handle))
        })
    }
}

/// Blocks or unblocks `handle` on the server, then re-reads the list; a refusal lands in `error`.
fn set_blocked(
    blocks: Blocks,
    handle: String,
    block: bool,
    error: RwSignal<Option<String>>,
    done: impl FnOnce() + 'static,
) {
    errors::call(
        blocks.ctx,
        error,
        None,
        move |token| async move {
            if block {
                crate::sync::safety::block(&token, &handle).await
            } else {
                crate::sync::safety::unblock(&token, &handle).await
            }
        },
        move |()| {
            blocks.refresh();
            done();
        },
    );
}

/// A modal dialog named by its heading; Escape and "Cancel"/"Close" call `on_close`.
#[component]
fn Dialog(title: String, on_close: Callback<()>, children: Children) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || keys.remove());
    // Focus moves into the dialog, so keyboard and screen reader users start there.
    Effect::new(move || {
        if let Some(el) = panel.get() {
            let _ = el.focus();
        }
    });
    let label = title.clone();
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())>
            <div class="dialog" role="dialog" aria-modal="true" aria-label=label tabindex="-1"
                node_ref=panel on:click=|ev| ev.stop_propagation()>
                <h2>{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// Which dialog of the chat options is open.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Nothing,
    Menu,
    Block,
    Report,
}

/// The conversation header's "Chat options": block or unblock the other party, report the chat.
#[component]
pub fn ChatOptions(
    conversation_id: ConversationId,
    /// The other party's handle.
    handle: String,
    /// The other party's name.
    name: String,
) -> impl IntoView {
    let blocks = Blocks::get();
    let open = RwSignal::new(Open::Nothing);
    let error = RwSignal::new(None::<String>);
    let blocked = {
        let handle = handle.clone();
        move || blocks.has(&handle)
    };
    let close = Callback::new(move |()| open.set(Open::Nothing));
    let unblock = {
        let handle = handle.clone();
        move |_| {
            open.set(Open::Nothing);
            set_blocked(blocks, handle.clone(), false, error, || {});
        }
    };
    let menu = {
        let blocked = blocked.clone();
        move || {
            (open.get() == Open::Menu).then(|| {
                let unblock = unblock.clone();
                view! {
                    <div class="menu" role="menu" aria-label="Chat options">
                        {if blocked() {
                            view! { <button type="button" role="menuitem" on:click=unblock>"Unblock"</button> }.into_any()
                        } else {
                            view! {
                                <button type="button" role="menuitem" on:click=move |_| open.set(Open::Block)>"Block"</button>
                            }.into_any()
                        }}
                        <button type="button" role="menuitem" on:click=move |_| open.set(Open::Report)>"Report"</button>
                    </div>
                }
            })
        }
    };
    let dialogs = move || {
        match open.get() {
        Open::Block => {
            let handle = handle.clone();
            view! { <BlockDialog handle=handle name=name.clone() on_close=close/> }.into_any()
        }
        Open::Report => {
            view! { <ReportDialog conversation_id=conversation_id name=name.clone() on_close=close/> }
                .into_any()
        }
        Open::Nothing | Open::Menu => ().into_any(),
    }
    };
    let (anchor, button) = (NodeRef::<html::Div>::new(), NodeRef::<html::Button>::new());
    super::popup::dismissable(
        anchor,
        button,
        move || open.get_untracked() == Open::Menu,
        move || open.set(Open::Nothing),
    );
    view! {
        <div class="menu-anchor" node_ref=anchor>
            <button class="btn ghost" type="button" aria-haspopup="menu" node_ref=button
                aria-expanded=move || (open.get() == Open::Menu).to_string()
                on:click=move |_| open.update(|o| *o = if *o == Open::Menu { Open::Nothing } else { Open::Menu })>
                <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
                    <circle cx="10" cy="4" r="1.7" fill="currentColor"/>
                    <circle cx="10" cy="10" r="1.7" fill="currentColor"/>
                    <circle cx="10" cy="16" r="1.7" fill="currentColor"/>
                </svg>
                <span class="visually-hidden">"Chat options"</span>
            </button>
            {menu}
        </div>
        {dialogs}
        {move || error.get().map(|e| view! { <p class="alert header-alert" role="alert">{e}</p> })}
    }
}

/// "Block {name}?": what blocking does, then "Block" or "Cancel".
#[component]
fn BlockDialog(handle: String, name: String, on_close: Callback<()>) -> impl IntoView {
    let blocks = Blocks::get();
    let error = RwSignal::new(None::<String>);
    let block = move |_| {
        set_blocked(blocks, handle.clone(), true, error, move || {
            on_close.run(())
        })
    };
    view! {
        <Dialog title=format!("Block {name}?") on_close=on_close>
            <p>{format!(
                "{name} will not be told. Messages they send you from now on will not reach you, \
                 and you cannot write to them until you unblock them."
            )}</p>
            {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button class="btn secondary" type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button class="btn danger" type="button" on:click=block.clone()>"Block"</button>
            </div>
        </Dialog>
    }
}

/// What a person reads for each reason.
fn reason_label(reason: ReportReason) -> &'static str {
    match reason {
        ReportReason::Spam => "Spam or unwanted advertising",
        ReportReason::Scam => "Scam or fraud",
        ReportReason::Abuse => "Insults, threats or harassment",
        ReportReason::Impersonation => "Pretending to be someone else",
        ReportReason::Other => "Something else",
    }
}

/// "Report {name}": a reason, details, "Also block", then "Send report".
#[component]
fn ReportDialog(
    conversation_id: ConversationId,
    name: String,
    on_close: Callback<()>,
) -> impl IntoView {
    let blocks = Blocks::get();
    let reason = RwSignal::new(None::<ReportReason>);
    let note = RwSignal::new(String::new());
    let also_block = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(why) = reason.get_untracked() else {
            error.set(Some("Please choose why you report this chat.".into()));
            return;
        };
        let report = NewReport {
            conversation_id,
            reason: why,
            note: note.get_untracked(),
            block: also_block.get_untracked(),
        };
        errors::call(
            blocks.ctx,
            error,
            Some(busy),
            move |token| async move { crate::sync::safety::report(&token, &report).await },
            move |_| {
                blocks.refresh();
                sent.set(true);
            },
        );
    };
    let title = format!("Report {name}");
    view! {
        <Dialog title=title on_close=on_close>
            {move || if sent.get() {
                view! {
                    <p role="status">"Report sent. Thank you: the operator of this server will look at it."</p>
                    <div class="dialog-actions">
                        <button class="btn" type="button" on:click=move |_| on_close.run(())>"Close"</button>
                    </div>
                }.into_any()
            } else {
                let name = name.clone();
                view! {
                    <form class="report-form" on:submit=submit>
                        <p class="hint">"The operator sees the last messages of this chat and what you write here. "
                            {name.clone()}" is not told."</p>
                        <fieldset>
                            <legend>"Why are you reporting this chat?"</legend>
                            {ReportReason::ALL.into_iter().map(|r| view! {
                                <label class="choice">
                                    <input type="radio" name="report-reason" value=r.as_str()
                                        prop:checked=move || reason.get() == Some(r)
                                        on:change=move |_| reason.set(Some(r))/>
                                    {reason_label(r)}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <div class="field">
                            <label for="report-note">"Details (optional)"</label>
                            <textarea id="report-note" rows="3" maxlength=MAX_REPORT_NOTE_CHARS.to_string()
                                prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                        </div>
                        <label class="choice">
                            <input type="checkbox" prop:checked=move || also_block.get()
                                on:change=move |ev| also_block.set(event_target_checked(&ev))/>
                            {format!("Also block {name}")}
                        </label>
                        {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
                        <div class="dialog-actions">
                            <button class="btn secondary" type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                            <button class="btn danger" type="submit" disabled=move || busy.get()>"Send report"</button>
                        </div>
                    </form>
                }.into_any()
            }}
        </Dialog>
    }
}

/// Instead of the composer while the other party is blocked: why, and "Unblock".
#[component]
pub fn BlockedNotice(handle: String, name: String) -> impl IntoView {
    let blocks = Blocks::get();
    let error = RwSignal::new(None::<String>);
    let unblock = move |_| set_blocked(blocks, handle.clone(), false, error, || {});
    view! {
        <div class="blocked-notice" role="status">
            <span>{format!("You blocked {name}. They cannot reach you, and you cannot write to them.")}</span>
            <button class="btn secondary small" type="button" on:click=unblock>"Unblock"</button>
            {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
        </div>
    }
}

/// The account menu's "Blocked accounts" dialog: everyone blocked, each with "Unblock {name}".
#[component]
pub fn BlockedAccounts(on_close: Callback<()>) -> impl IntoView {
    let blocks = Blocks::get();
    let error = RwSignal::new(None::<String>);
    errors::call(
        blocks.ctx,
        error,
        None,
        |token| async move { crate::sync::safety::blocked(&token).await },
        move |list| blocks.list.set(Some(list)),
    );
    let rows = move || {
        blocks.list.get().map(|list| {
            if list.is_empty() {
                return view! { <p>"You have not blocked anyone."</p> }.into_any();
            }
            view! {
                <ul class="blocked-list">
                    {list.into_iter().map(|b| {
                        let handle = b.user.handle.to_string();
                        let name = b.user.display_name.clone();
                        let label = format!("Unblock {name}");
                        view! {
                            <li>
                                <span><strong>{name}</strong>" "<span class="handle">{format!("@{handle}")}</span></span>
                                <button class="btn secondary small" type="button"
                                    on:click=move |_| set_blocked(blocks, handle.clone(), false, error, || {})>{label}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <Dialog title="Blocked accounts".to_string() on_close=on_close>
            {move || rows().or_else(|| error.with(Option::is_none).then(|| view! { <p class="hint">"Loading…"</p> }.into_any()))}
            {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button class="btn" type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Dialog>
    }
}
