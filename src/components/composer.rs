//! The composer: field "Message" and button "Send"; Enter sends, Shift+Enter adds a line.

use crate::sync::Engine;
use kontor_protocol::ConversationId;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// Writes to the outbox through the engine; works offline.
#[component]
pub fn Composer(engine: Arc<Engine>, conversation_id: ConversationId) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = NodeRef::<html::Textarea>::new();
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
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
        engine.typing(conversation_id);
    };

    view! {
        {move || error.get().map(|e| view! { <div class="composer-error" role="alert">{e}</div> })}
        <form class="composer" on:submit=on_submit>
            <textarea node_ref=field rows="1" aria-label="Message" placeholder="Write a message"
                prop:value=move || text.get()
                on:input=on_input on:keydown=on_keydown></textarea>
            <button class="btn" type="submit">"Send"</button>
        </form>
    }
}
