//! The composer: field "Message" and button "Send"; Enter sends, Shift+Enter adds a line.
//! In a business inbox it also offers quick replies (type "/") and private notes.

use crate::sync::Engine;
use kontor_protocol::ConversationId;
use kontor_protocol::business::QuickReply;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The quick replies whose shortcut starts with what follows the "/" being typed.
fn matching(text: &str, replies: &[QuickReply]) -> Vec<QuickReply> {
    let Some(typed) = text.strip_prefix('/') else {
        return Vec::new();
    };
    if typed.contains(char::is_whitespace) {
        return Vec::new();
    }
    let typed = typed.to_lowercase();
    replies
        .iter()
        .filter(|r| r.shortcut.starts_with(&typed))
        .cloned()
        .collect()
}

/// Writes to the outbox through the engine; works offline.
#[component]
pub fn Composer(
    engine: Arc<Engine>,
    conversation_id: ConversationId,
    /// The business's quick replies (inbox only): typing "/" lists them.
    #[prop(optional)]
    quick_replies: Option<Signal<Vec<QuickReply>>>,
    /// When on, what is written becomes a private note for the team (inbox only).
    #[prop(optional)]
    note_mode: Option<RwSignal<bool>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = NodeRef::<html::Textarea>::new();
    let noting = move || note_mode.is_some_and(|n| n.get());
    let suggestions = Memo::new(move |_| {
        let replies = quick_replies.map(|q| q.get()).unwrap_or_default();
        text.with(|t| matching(t, &replies))
    });
    let highlighted = RwSignal::new(0usize);
    let dismissed = RwSignal::new(false);
    let open = move || !dismissed.get() && !suggestions.with(Vec::is_empty);
    let choose = move |reply: QuickReply| {
        text.set(reply.text.clone());
        if let Some(el) = field.get_untracked() {
            el.set_value(&reply.text);
            let _ = el.focus();
        }
        highlighted.set(0);
    };
    Effect::new(move || {
        if let Some(el) = field.get() {
            let _ = el.focus();
        }
    });

    let send = {
        let engine = engine.clone();
        move || {
            let body = text.get_untracked();
            if body.trim().is_empty() {
                return;
            }
            text.set(String::new());
            if let Some(el) = field.get_untracked() {
                el.set_value("");
            }
            let engine = engine.clone();
            if note_mode.is_some_and(|n| n.get_untracked()) {
                match engine.add_note(conversation_id, body.clone()) {
                    Ok(()) => error.set(None),
                    Err(e) => {
                        text.set(body);
                        error.set(Some(e));
                    }
                }
                return;
            }
            spawn_local(async move {
                match engine.send_message(conversation_id, body.clone()).await {
                    Ok(()) => error.set(None),
                    Err(e) => {
                        // Give the text back so nothing typed is lost.
                        text.set(body);
                        error.set(Some(e));
                    }
                }
            });
        }
    };
    let on_submit = {
        let send = send.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if open() {
            let n = suggestions.with(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + 1) % n);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    highlighted.update(|h| *h = (*h + n - 1) % n);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() => {
                    ev.prevent_default();
                    let pick = suggestions.with(|s| s.get(highlighted.get_untracked()).cloned());
                    if let Some(reply) = pick {
                        choose(reply);
                    }
                    return;
                }
                "Escape" => {
                    dismissed.set(true);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
        dismissed.set(false);
        highlighted.set(0);
        if !noting() {
            engine.typing(conversation_id);
        }
    };

    view! {
        {move || error.get().map(|e| view! { <div class="composer-error" role="alert">{e}</div> })}
        <Show when=open>
            <ul class="quick-replies" role="listbox" aria-label="Quick replies">
                {move || suggestions.get().into_iter().enumerate().map(|(i, reply)| {
                    let selected = move || highlighted.get() == i;
                    let pick = reply.clone();
                    view! {
                        <li role="option" aria-selected=move || selected().to_string()
                            class:selected=selected
                            on:mousedown=move |ev| {
                                // Keep the focus in the field.
                                ev.prevent_default();
                                choose(pick.clone());
                            }>
                            <strong>{format!("/{}", reply.shortcut)}</strong>
                            <span>{reply.text.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
        <form class="composer" class:note=noting on:submit=on_submit>
            <textarea node_ref=field rows="1" aria-label="Message"
                placeholder=move || if noting() {
                    "Write a private note (only your team sees it)"
                } else {
                    "Write a message"
                }
                aria-autocomplete=quick_replies.map(|_| "list")
                prop:value=move || text.get()
                on:input=on_input on:keydown=on_keydown></textarea>
            <button class="btn" type="submit">
                {move || if noting() { "Add note" } else { "Send" }}
            </button>
        </form>
    }
}
