//! Greeting and away messages, and how agents sign.

use crate::components::errors;
use crate::components::top_bar::alert;
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use kontor_protocol::business::{AutoReply, BusinessSettings, MAX_AUTO_REPLY_CHARS};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn MessagesSection(handle: String, settings: BusinessSettings) -> impl IntoView {
    let ctx = AppCtx::get();
    let greeting_on = RwSignal::new(settings.greeting.enabled);
    let greeting = RwSignal::new(settings.greeting.text);
    let away_on = RwSignal::new(settings.away.enabled);
    let away = RwSignal::new(settings.away.text);
    let show_names = RwSignal::new(settings.show_agent_names);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        let wanted = BusinessSettings {
            greeting: AutoReply {
                enabled: greeting_on.get_untracked(),
                text: greeting.get_untracked(),
            },
            away: AutoReply {
                enabled: away_on.get_untracked(),
                text: away.get_untracked(),
            },
            show_agent_names: show_names.get_untracked(),
        };
        let handle = handle.clone();
        busy.set(true);
        error.set(None);
        status.set(None);
        spawn_local(async move {
            let result = business::save_settings(&token, &handle, &wanted).await;
            busy.set(false);
            match result {
                Ok(s) => {
                    greeting_on.set(s.greeting.enabled);
                    greeting.set(s.greeting.text);
                    away_on.set(s.away.enabled);
                    away.set(s.away.text);
                    show_names.set(s.show_agent_names);
                    status.set(Some("Saved.".into()));
                }
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    view! {
        <section class="biz-section" aria-labelledby="biz-messages-heading">
            <h2 id="biz-messages-heading">"Messages"</h2>
            <form class="biz-form" on:submit=save novalidate>
                <div class="biz-check">
                    <input type="checkbox" id="biz-greeting-on"
                        prop:checked=move || greeting_on.get()
                        on:change=move |ev| greeting_on.set(event_target_checked(&ev))/>
                    <label for="biz-greeting-on">"Send greeting"</label>
                </div>
                <div class="field">
                    <label for="biz-greeting">"Greeting message"</label>
                    <textarea id="biz-greeting" rows="3" maxlength=MAX_AUTO_REPLY_CHARS.to_string()
                        prop:value=move || greeting.get()
                        on:input=move |ev| greeting.set(event_target_value(&ev))></textarea>
                    <p class="hint">"Sent on a customer's first message, and again after 14 days of silence."</p>
                </div>
                <div class="biz-check">
                    <input type="checkbox" id="biz-away-on"
                        prop:checked=move || away_on.get()
                        on:change=move |ev| away_on.set(event_target_checked(&ev))/>
                    <label for="biz-away-on">"Send away message"</label>
                </div>
                <div class="field">
                    <label for="biz-away">"Away message"</label>
                    <textarea id="biz-away" rows="3" maxlength=MAX_AUTO_REPLY_CHARS.to_string()
                        prop:value=move || away.get()
                        on:input=move |ev| away.set(event_target_value(&ev))></textarea>
                    <p class="hint">"Sent outside opening hours, at most once a day per conversation."</p>
                </div>
                <div class="biz-check">
                    <input type="checkbox" id="biz-agent-names"
                        prop:checked=move || show_names.get()
                        on:change=move |ev| show_names.set(event_target_checked(&ev))/>
                    <label for="biz-agent-names">"Show agent names to customers"</label>
                </div>
                <p class="hint">"Customers then see the first name of the agent who wrote each reply."</p>
                {move || error.get().map(alert)}
                {super::status_line(status)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </form>
        </section>
    }
}
