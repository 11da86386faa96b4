//! Profile, logo and opening hours.

use crate::components::category_select::CategorySelect;
use crate::components::errors;
use crate::components::top_bar::alert;
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use crate::time;
use crate::urls;
use kontor_protocol::business::{
    BusinessProfile, MAX_ADDRESS_CHARS, MAX_DESCRIPTION_CHARS, MAX_LOGO_BYTES, MAX_NAME_CHARS,
    MAX_URL_CHARS, OpenInterval, OpeningHours, ProfileFields,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Opening time offered when a closed day is switched to open (09:00).
const NEW_DAY_OPENS: u16 = 9 * 60;
/// Closing time offered when a closed day is switched to open (17:00).
const NEW_DAY_CLOSES: u16 = 17 * 60;

/// One weekday of the hours editor.
#[derive(Clone, Copy)]
struct DayEdit {
    open: RwSignal<bool>,
    opens: RwSignal<String>,
    closes: RwSignal<String>,
}

#[component]
pub(super) fn ProfileSection(handle: String, profile: RwSignal<BusinessProfile>) -> impl IntoView {
    let ctx = AppCtx::get();
    let initial = profile.get_untracked();
    let fields = initial.profile.clone();
    let name = RwSignal::new(fields.name.clone());
    let category = RwSignal::new(fields.category);
    let description = RwSignal::new(fields.description.clone());
    let address = RwSignal::new(fields.address.clone());
    let email = RwSignal::new(fields.email.clone());
    let website = RwSignal::new(fields.websites.first().cloned().unwrap_or_default());
    let website2 = RwSignal::new(fields.websites.get(1).cloned().unwrap_or_default());
    let time_zone = RwSignal::new(fields.hours.time_zone.clone());
    let always_open = RwSignal::new(fields.hours.always_open);
    let days: [DayEdit; 7] = std::array::from_fn(|d| {
        let mut intervals: Vec<&OpenInterval> = fields
            .hours
            .intervals
            .iter()
            .filter(|i| i.weekday as usize == d)
            .collect();
        intervals.sort_by_key(|i| i.open);
        let first = intervals.first();
        DayEdit {
            open: RwSignal::new(first.is_some()),
            opens: RwSignal::new(time::hhmm(first.map_or(NEW_DAY_OPENS, |i| i.open))),
            closes: RwSignal::new(time::hhmm(
                first.map_or(NEW_DAY_CLOSES, |i| i.close) % time::MINUTES_PER_DAY,
            )),
        }
    });
    // Further intervals of a day (the editor shows one per day): kept while that day stays open.
    let extra: Vec<OpenInterval> = {
        let mut seen = [false; 7];
        let mut sorted = fields.hours.intervals.clone();
        sorted.sort_by_key(|i| (i.weekday, i.open));
        sorted
            .into_iter()
            .filter(|i| {
                let d = (i.weekday as usize).min(6);
                std::mem::replace(&mut seen[d], true)
            })
            .collect()
    };
    let extra = StoredValue::new(extra);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let logo_error = RwSignal::new(None::<String>);
    let logo_status = RwSignal::new(None::<String>);
    let logo_busy = RwSignal::new(false);
    let handle = StoredValue::new(handle);

    let collect_hours = move || -> Result<OpeningHours, String> {
        let mut intervals = Vec::new();
        for (d, day) in days.iter().enumerate() {
            if !day.open.get_untracked() {
                continue;
            }
            let weekday = time::WEEKDAYS[d];
            let (Some(open), Some(close)) = (
                time::parse_hhmm(&day.opens.get_untracked()),
                time::parse_hhmm(&day.closes.get_untracked()),
            ) else {
                return Err(format!("{weekday}: enter an opening and a closing time."));
            };
            // Closing at 00:00 means at midnight, the end of the day.
            let close = if close == 0 {
                time::MINUTES_PER_DAY
            } else {
                close
            };
            if open >= close {
                return Err(format!(
                    "{weekday}: the closing time must be after the opening time."
                ));
            }
            intervals.push(OpenInterval {
                weekday: d as u8,
                open,
                close,
            });
            intervals.extend(
                extra
                    .get_value()
                    .into_iter()
                    .filter(|i| i.weekday as usize == d),
            );
        }
        Ok(OpeningHours {
            time_zone: time_zone.get_untracked().trim().to_string(),
            intervals,
            always_open: always_open.get_untracked(),
        })
    };

    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        status.set(None);
        let hours = match collect_hours() {
            Ok(h) => h,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        let fields = ProfileFields {
            name: name.get_untracked(),
            category: category.get_untracked(),
            description: description.get_untracked(),
            address: address.get_untracked(),
            email: email.get_untracked().trim().to_string(),
            websites: [website.get_untracked(), website2.get_untracked()]
                .iter()
                .filter_map(|w| urls::website(w))
                .collect(),
            hours,
        };
        let was_verified = profile.with_untracked(|p| p.verified);
        let handle = handle.get_value();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = business::update(&token, &handle, &fields).await;
            busy.set(false);
            match result {
                Ok(p) => {
                    let lost_badge = was_verified && !p.verified;
                    // Show what the server kept (it trims text).
                    name.set(p.profile.name.clone());
                    description.set(p.profile.description.clone());
                    address.set(p.profile.address.clone());
                    email.set(p.profile.email.clone());
                    website.set(p.profile.websites.first().cloned().unwrap_or_default());
                    website2.set(p.profile.websites.get(1).cloned().unwrap_or_default());
                    profile.set(p);
                    status.set(Some(if lost_badge {
                        "Profile updated. The new name needs verifying again, so the badge was removed."
                            .into()
                    } else {
                        "Profile updated.".into()
                    }));
                }
                Err(e) => error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let upload = move |ev: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // Let the same file be chosen again after a failure.
        input.set_value("");
        logo_error.set(None);
        logo_status.set(None);
        if file.size() > MAX_LOGO_BYTES as f64 {
            logo_error.set(Some("A logo is at most 2 MiB.".into()));
            return;
        }
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                logo_error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        let handle = handle.get_value();
        logo_busy.set(true);
        spawn_local(async move {
            let result = business::upload_logo(&token, &handle, &file).await;
            logo_busy.set(false);
            match result {
                Ok(p) => {
                    profile.update(|old| old.logo = p.logo);
                    logo_status.set(Some("Logo updated.".into()));
                }
                Err(e) => logo_error.set(Some(errors::sentence(&e))),
            }
        });
    };

    let logo_preview = move || {
        let p = profile.get();
        view! {
            <PartyAvatar name=p.profile.name.clone() key=p.handle.to_string() logo=p.logo.clone()/>
        }
    };

    let day_rows = days
        .iter()
        .enumerate()
        .map(|(d, day)| {
            let day = *day;
            let weekday = time::WEEKDAYS[d];
            let open_id = format!("biz-open-{d}");
            let opens_id = format!("biz-opens-{d}");
            let closes_id = format!("biz-closes-{d}");
            view! {
                <div class="biz-day" class:closed=move || !day.open.get()>
                    <div class="biz-check">
                        <input type="checkbox" id=open_id.clone()
                            prop:checked=move || day.open.get()
                            on:change=move |ev| day.open.set(event_target_checked(&ev))/>
                        <label for=open_id>
                            <span class="visually-hidden">"Open on "</span>{weekday}
                        </label>
                    </div>
                    <label class="visually-hidden" for=opens_id.clone()>{format!("{weekday} opens")}</label>
                    <input type="time" id=opens_id
                        prop:value=move || day.opens.get()
                        on:input=move |ev| day.opens.set(event_target_value(&ev))/>
                    <span class="biz-dash" aria-hidden="true">"–"</span>
                    <label class="visually-hidden" for=closes_id.clone()>{format!("{weekday} closes")}</label>
                    <input type="time" id=closes_id
                        prop:value=move || day.closes.get()
                        on:input=move |ev| day.closes.set(event_target_value(&ev))/>
                </div>
            }
        })
        .collect_view();

    view! {
        <section class="biz-section" aria-labelledby="biz-profile-heading">
            <h2 id="biz-profile-heading">"Profile"</h2>
            <div class="biz-logo-row">
                {logo_preview}
                {move || profile.with(|p| p.verified).then(|| view! { <VerifiedBadge/> })}
                <div class="field">
                    <label for="biz-logo">"Logo"</label>
                    <input id="biz-logo" type="file" accept="image/png,image/jpeg,image/webp"
                        disabled=move || logo_busy.get()
                        on:change=upload/>
                    <p class="hint">"PNG, JPEG or WebP, at most 2 MiB; shown square."</p>
                </div>
            </div>
            {move || logo_busy.get().then(|| view! { <p class="hint">"Uploading the logo…"</p> })}
            {move || logo_error.get().map(alert)}
            {super::status_line(logo_status)}
            <form class="biz-form" on:submit=save novalidate>
                <div class="field">
                    <label for="biz-handle-shown">"Business handle"</label>
                    <input id="biz-handle-shown" readonly prop:value=handle.get_value()/>
                    <p class="hint">"The handle cannot be changed."</p>
                </div>
                <div class="field">
                    <label for="biz-name">"Business name"</label>
                    <input id="biz-name" required maxlength=MAX_NAME_CHARS.to_string()
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    {move || profile.with(|p| p.verified).then(|| view! {
                        <p class="hint">"Changing the name of a verified business removes the badge until it is verified again."</p>
                    })}
                </div>
                <div class="field">
                    <label for="biz-category">"Category"</label>
                    <CategorySelect id="biz-category" category=category/>
                </div>
                <div class="field">
                    <label for="biz-description">"Description"</label>
                    <textarea id="biz-description" rows="3" maxlength=MAX_DESCRIPTION_CHARS.to_string()
                        prop:value=move || description.get()
                        on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                </div>
                <div class="field">
                    <label for="biz-address">"Address"</label>
                    <textarea id="biz-address" rows="2" maxlength=MAX_ADDRESS_CHARS.to_string()
                        prop:value=move || address.get()
                        on:input=move |ev| address.set(event_target_value(&ev))></textarea>
                </div>
                <div class="field">
                    <label for="biz-email">"Email"</label>
                    <input id="biz-email" type="email" maxlength=MAX_URL_CHARS.to_string()
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="biz-website">"Website"</label>
                    <input id="biz-website" type="url" placeholder="https://example.com"
                        maxlength=MAX_URL_CHARS.to_string()
                        prop:value=move || website.get()
                        on:input=move |ev| website.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="biz-website-2">"Second site"</label>
                    <input id="biz-website-2" type="url" maxlength=MAX_URL_CHARS.to_string()
                        prop:value=move || website2.get()
                        on:input=move |ev| website2.set(event_target_value(&ev))/>
                </div>
                <fieldset class="biz-fieldset">
                    <legend>"Opening hours"</legend>
                    <div class="field">
                        <label for="biz-time-zone">"Time zone"</label>
                        <div class="biz-inline">
                            <input id="biz-time-zone" autocapitalize="none" spellcheck="false"
                                placeholder="Europe/Stockholm"
                                prop:value=move || time_zone.get()
                                on:input=move |ev| time_zone.set(event_target_value(&ev))/>
                            <button class="btn secondary small" type="button"
                                on:click=move |_| time_zone.set(time::browser_time_zone())>
                                "Use this device's time zone"
                            </button>
                        </div>
                        <p class="hint">"A name such as Europe/Stockholm or America/New_York; hours below are in this zone."</p>
                    </div>
                    <div class="biz-check">
                        <input type="checkbox" id="biz-always-open"
                            prop:checked=move || always_open.get()
                            on:change=move |ev| always_open.set(event_target_checked(&ev))/>
                        <label for="biz-always-open">"Open around the clock"</label>
                    </div>
                    <p class="hint">
                        {move || if always_open.get() {
                            "Away messages are never sent. The weekly hours below are kept for when you switch this off."
                        } else {
                            "Outside these hours customers get the away message. Closing at 00:00 means midnight."
                        }}
                    </p>
                    <div class="biz-days" class:inactive=move || always_open.get()>{day_rows}</div>
                </fieldset>
                {move || error.get().map(alert)}
                {super::status_line(status)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Save profile"</button>
                </div>
            </form>
        </section>
    }
}
