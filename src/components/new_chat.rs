//! "New chat": start a conversation by handle.

use crate::components::errors;
use crate::sync::Engine;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use std::sync::Arc;

/// The form; `on_done` closes it.
#[component]
pub fn NewChat(engine: Arc<Engine>, on_done: Callback<()>) -> impl IntoView {
    let handle = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let wanted = handle.get_untracked();
        if wanted.trim().is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let engine = engine.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = engine.start_chat(wanted).await;
            busy.set(false);
            match result {
                Ok(id) => {
                    handle.set(String::new());
                    on_done.run(());
                    navigate(&format!("/chats/{id}"), NavigateOptions::default());
                }
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };
    view! {
        <div class="new-chat">
            <form on:submit=submit>
                <div class="field">
                    <label for="new-chat-handle">"Handle"</label>
                    <input id="new-chat-handle" node_ref=input autocomplete="off" autocapitalize="none"
                        spellcheck="false" placeholder="e.g. anna.berg"
                        prop:value=move || handle.get()
                        on:input=move |ev| handle.set(event_target_value(&ev))/>
                </div>
                <button class="btn" type="submit" disabled=move || busy.get()>"Start chat"</button>
            </form>
            {move || error.get().map(|e| view! { <div class="alert" role="alert">{e}</div> })}
        </div>
    }
}
