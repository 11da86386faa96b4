//! Labels the team puts on conversations.

use crate::components::errors;
use crate::components::top_bar::alert;
use crate::state::AppCtx;
use crate::sync::business;
use kontor_protocol::business::{Label, MAX_LABEL_CHARS, NewLabel};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(super) fn LabelsSection(handle: String, labels: Vec<Label>) -> impl IntoView {
    let ctx = AppCtx::get();
    let labels = RwSignal::new(labels);
    let name = RwSignal::new(String::new());
    let color = RwSignal::new("#0b6e4f".to_string());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let handle = StoredValue::new(handle);

    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let label = NewLabel {
            name: name.get_untracked(),
            color: color.get_untracked(),
        };
        let handle = handle.get_value();
        errors::call(
            ctx,
            error,
            Some(busy),
            move |token| async move { business::add_label(&token, &handle, &label).await },
            move |l| {
                labels.update(|list| list.push(l));
                name.set(String::new());
            },
        );
    };

    let delete = move |label: Label| {
        let handle = handle.get_value();
        let id = label.id;
        errors::call(
            ctx,
            error,
            None,
            move |token| async move { business::delete_label(&token, &handle, id).await },
            move |()| labels.update(|list| list.retain(|l| l.id != id)),
        );
    };

    view! {
        <section class="biz-section" aria-labelledby="biz-labels-heading">
            <h2 id="biz-labels-heading">"Labels"</h2>
            <p class="hint">"Agents put labels on conversations and filter the inbox by them."</p>
            <Show when=move || labels.with(|l| !l.is_empty())
                fallback=|| view! { <p class="biz-empty">"No labels yet."</p> }>
                <ul class="biz-items" aria-label="Labels">
                    <For each=move || labels.get() key=|l| l.id
                        children=move |l: Label| {
                            let aria = format!("Delete label {}", l.name);
                            let label_name = l.name.clone();
                            view! {
                                <li class="biz-item">
                                    <span class="biz-item-main">
                                        <span class="biz-swatch" style=("background-color", l.color.clone()) aria-hidden="true"></span>
                                        <span>{label_name}</span>
                                    </span>
                                    <button class="btn secondary small" type="button" aria-label=aria
                                        on:click=move |_| delete(l.clone())>
                                        "Delete"
                                    </button>
                                </li>
                            }
                        }/>
                </ul>
            </Show>
            <form class="biz-form biz-label-form" on:submit=add novalidate>
                <div class="field biz-grow">
                    <label for="biz-label-name">"Label name"</label>
                    <input id="biz-label-name" maxlength=MAX_LABEL_CHARS.to_string()
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="biz-label-colour">"Label colour"</label>
                    <input id="biz-label-colour" type="color" class="biz-color"
                        prop:value=move || color.get()
                        on:input=move |ev| color.set(event_target_value(&ev))/>
                </div>
                {move || error.get().map(alert)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Add label"</button>
                </div>
            </form>
        </section>
    }
}
