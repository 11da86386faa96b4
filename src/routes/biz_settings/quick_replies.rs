//! Quick replies: saved answers an agent inserts after "/".

use crate::components::errors;
use crate::components::top_bar::alert;
use crate::state::AppCtx;
use crate::sync::business;
use kontor_protocol::business::{MAX_SHORTCUT_CHARS, NewQuickReply, QuickReply};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn QuickRepliesSection(handle: String, replies: Vec<QuickReply>) -> impl IntoView {
    let ctx = AppCtx::get();
    let replies = RwSignal::new(replies);
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let handle = StoredValue::new(handle);

    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let reply = NewQuickReply {
            shortcut: shortcut
                .get_untracked()
                .trim()
                .trim_start_matches('/')
                .to_string(),
            text: text.get_untracked(),
        };
        let handle = handle.get_value();
        errors::call(
            ctx,
            error,
            Some(busy),
            move |token| async move { business::add_quick_reply(&token, &handle, &reply).await },
            move |r| {
                replies.update(|list| list.push(r));
                shortcut.set(String::new());
                text.set(String::new());
            },
        );
    };

    let delete = move |reply: QuickReply| {
        let handle = handle.get_value();
        let id = reply.id;
        errors::call(
            ctx,
            error,
            None,
            move |token| async move { business::delete_quick_reply(&token, &handle, id).await },
            move |()| replies.update(|list| list.retain(|r| r.id != id)),
        );
    };

    view! {
        <section class="biz-section" aria-labelledby="biz-replies-heading">
            <h2 id="biz-replies-heading">"Quick replies"</h2>
            <p class="hint">"Agents insert these by typing “/” and the shortcut in the message field."</p>
            <Show when=move || replies.with(|r| !r.is_empty())
                fallback=|| view! { <p class="biz-empty">"No quick replies yet."</p> }>
                <ul class="biz-items" aria-label="Quick replies">
                    <For each=move || replies.get() key=|r| r.id
                        children=move |r: QuickReply| {
                            let label = format!("Delete quick reply /{}", r.shortcut);
                            let shortcut = format!("/{}", r.shortcut);
                            let body = r.text.clone();
                            view! {
                                <li class="biz-item">
                                    <span class="biz-item-main">
                                        <code class="biz-shortcut">{shortcut}</code>
                                        <span class="biz-reply-text">{body}</span>
                                    </span>
                                    <button class="btn secondary small" type="button" aria-label=label
                                        on:click=move |_| delete(r.clone())>
                                        "Delete"
                                    </button>
                                </li>
                            }
                        }/>
                </ul>
            </Show>
            <form class="biz-form" on:submit=add novalidate>
                <div class="field">
                    <label for="biz-shortcut">"Shortcut"</label>
                    <input id="biz-shortcut" autocapitalize="none" spellcheck="false" placeholder="hours"
                        maxlength=(MAX_SHORTCUT_CHARS + 1).to_string()
                        prop:value=move || shortcut.get()
                        on:input=move |ev| shortcut.set(event_target_value(&ev))/>
                    <p class="hint">"Letters, digits, “-” and “_”."</p>
                </div>
                <div class="field">
                    <label for="biz-reply-text">"Reply text"</label>
                    <textarea id="biz-reply-text" rows="3"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </div>
                {move || error.get().map(alert)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Add quick reply"</button>
                </div>
            </form>
        </section>
    }
}
