//! `/biz/new`: create a business; the creator becomes its owner and lands in its inbox.

use crate::components::category_select::CategorySelect;
use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use crate::time;
use crate::urls;
use kontor_protocol::Handle;
use kontor_protocol::business::{
    Category, CreateBusiness, MAX_ADDRESS_CHARS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS,
    MAX_URL_CHARS, OpeningHours, ProfileFields,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// `/biz/new`
#[component]
pub fn CreateBusinessPage() -> impl IntoView {
    let ctx = AppCtx::get();
    let navigate = use_navigate();
    let handle = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let category = RwSignal::new(Category::ALL[0]);
    let description = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let website = RwSignal::new(String::new());
    let time_zone = time::browser_time_zone();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = {
        let time_zone = time_zone.clone();
        move |ev: SubmitEvent| {
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
            let request = CreateBusiness {
                handle: handle
                    .get_untracked()
                    .trim()
                    .trim_start_matches('@')
                    .to_string(),
                profile: ProfileFields {
                    name: name.get_untracked(),
                    category: category.get_untracked(),
                    description: description.get_untracked(),
                    address: address.get_untracked(),
                    email: email.get_untracked().trim().to_string(),
                    websites: urls::website(&website.get_untracked())
                        .into_iter()
                        .collect(),
                    hours: OpeningHours {
                        time_zone: time_zone.clone(),
                        intervals: Vec::new(),
                        always_open: true,
                    },
                },
            };
            busy.set(true);
            error.set(None);
            let navigate = navigate.clone();
            spawn_local(async move {
                let result = business::create(&token, &request).await;
                busy.set(false);
                match result {
                    Ok(profile) => navigate(
                        &format!("/biz/{}/inbox", profile.handle),
                        NavigateOptions::default(),
                    ),
                    Err(e) => error.set(Some(errors::sentence(&e))),
                }
            });
        }
    };

    view! {
        <div class="biz-page">
            <TopBar/>
            <main class="biz-main biz-narrow">
                <section class="biz-card">
                    <h1>"Create a business"</h1>
                    <p class="hint">
                        "Customers find your business by its handle and message it; "
                        "your team answers together from a shared inbox."
                    </p>
                    <form class="biz-form" on:submit=submit novalidate>
                        <div class="field">
                            <label for="biz-handle">"Business handle"</label>
                            <input id="biz-handle" required autocapitalize="none" spellcheck="false"
                                autocomplete="off" maxlength=Handle::MAX_LEN.to_string()
                                prop:value=move || handle.get()
                                on:input=move |ev| handle.set(event_target_value(&ev))/>
                            <p class="hint">{format!("{}–{} characters: letters, digits, “_” and “.”. Your short link is /@handle.", Handle::MIN_LEN, Handle::MAX_LEN)}</p>
                        </div>
                        <div class="field">
                            <label for="biz-name">"Business name"</label>
                            <input id="biz-name" required autocomplete="organization"
                                maxlength=MAX_NAME_CHARS.to_string()
                                prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))/>
                        </div>
                        <div class="field">
                            <label for="biz-category">"Category"</label>
                            <CategorySelect id="biz-category" category=category/>
                        </div>
                        <div class="field">
                            <label for="biz-description">"Description"</label>
                            <textarea id="biz-description" rows="3"
                                maxlength=MAX_DESCRIPTION_CHARS.to_string()
                                prop:value=move || description.get()
                                on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                        </div>
                        <div class="field">
                            <label for="biz-address">"Address"</label>
                            <textarea id="biz-address" rows="2" autocomplete="street-address"
                                maxlength=MAX_ADDRESS_CHARS.to_string()
                                prop:value=move || address.get()
                                on:input=move |ev| address.set(event_target_value(&ev))></textarea>
                        </div>
                        <div class="field">
                            <label for="biz-email">"Email"</label>
                            <input id="biz-email" type="email" autocomplete="email"
                                maxlength=MAX_URL_CHARS.to_string()
                                prop:value=move || email.get()
                                on:input=move |ev| email.set(event_target_value(&ev))/>
                        </div>
                        <div class="field">
                            <label for="biz-website">"Website"</label>
                            <input id="biz-website" type="url" autocomplete="url" placeholder="https://example.com"
                                maxlength=MAX_URL_CHARS.to_string()
                                prop:value=move || website.get()
                                on:input=move |ev| website.set(event_target_value(&ev))/>
                        </div>
                        <p class="hint">
                            "Open around the clock, in the time zone " {time_zone} ". "
                            "Set opening hours and away messages in the settings later."
                        </p>
                        {move || error.get().map(alert)}
                        <button class="btn" type="submit" disabled=move || busy.get()>"Create business"</button>
                    </form>
                    <p class="switch-link"><a href="/biz">"Your businesses"</a></p>
                </section>
            </main>
        </div>
    }
}
