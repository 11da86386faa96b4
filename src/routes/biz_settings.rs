//! `/biz/{handle}/settings`: profile and opening hours, logo, sharing, greeting and away
//! messages, quick replies, labels and the team. Owners and admins edit; agents are told they
//! cannot; people outside the team get the server's refusal.

use crate::clipboard;
use crate::components::biz_nav::BizNav;
use crate::components::category_select::CategorySelect;
use crate::components::errors;
use crate::components::guard;
use crate::components::top_bar::{TopBar, alert};
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state;
use crate::state::AppCtx;
use crate::sync::{SyncError, SyncResult, business};
use crate::time;
use crate::urls;
use kontor_protocol::UserId;
use kontor_protocol::business::{
    AutoReply, BusinessProfile, BusinessSettings, Invite, Label, MAX_ADDRESS_CHARS,
    MAX_AUTO_REPLY_CHARS, MAX_DESCRIPTION_CHARS, MAX_LABEL_CHARS, MAX_LOGO_BYTES, MAX_NAME_CHARS,
    MAX_SHORTCUT_CHARS, MAX_URL_CHARS, NewLabel, NewQuickReply, OpenInterval, OpeningHours,
    ProfileFields, QuickReply, Role, TeamMember,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `/biz/{handle}/settings`
#[component]
pub fn BusinessSettingsPage() -> impl IntoView {
    guard::team_page("settings", |handle| {
        view! { <Settings handle=handle/> }.into_any()
    })
}

/// Everything the page shows, fetched together.
#[derive(Clone)]
struct Loaded {
    profile: BusinessProfile,
    settings: BusinessSettings,
    team: Vec<TeamMember>,
    replies: Vec<QuickReply>,
    labels: Vec<Label>,
    me: UserId,
}

async fn load(ctx: AppCtx, handle: String) -> SyncResult<Loaded> {
    let token = state::token(ctx)?;
    let me = ctx
        .auth
        .try_get_untracked()
        .flatten()
        .map(|a| a.user.id)
        .ok_or(SyncError::LoggedOut)?;
    let (profile, settings, team, replies, labels) = futures::join!(
        business::profile(&handle),
        business::settings(&token, &handle),
        business::team(&token, &handle),
        business::quick_replies(&token, &handle),
        business::labels(&token, &handle),
    );
    Ok(Loaded {
        profile: profile?,
        settings: settings?,
        team: team?,
        replies: replies?,
        labels: labels?,
        me,
    })
}

#[component]
fn Settings(handle: String) -> impl IntoView {
    let ctx = AppCtx::get();
    let data = LocalResource::new({
        let handle = handle.clone();
        move || load(ctx, handle.clone())
    });
    view! {
        <div class="biz-page">
            <TopBar/>
            {move || match data.get() {
                None => view! {
                    <main class="biz-main"><p class="hint biz-loading">"Loading the settings…"</p></main>
                }
                .into_any(),
                Some(Err(e)) => view! {
                    <main class="biz-main biz-narrow">
                        <section class="biz-card">
                            <h1>"Business settings"</h1>
                            {alert(errors::sentence(&e))}
                            <a class="btn secondary" href="/chats">"Go to your chats"</a>
                        </section>
                    </main>
                }
                .into_any(),
                Some(Ok(loaded)) => view! { <SettingsBody handle=handle.clone() loaded=loaded/> }
                    .into_any(),
            }}
        </div>
    }
}

#[component]
fn SettingsBody(handle: String, loaded: Loaded) -> impl IntoView {
    let my_role = loaded
        .team
        .iter()
        .find(|m| m.user.id == loaded.me)
        .map(|m| m.role)
        .unwrap_or(Role::Agent);
    let profile = RwSignal::new(loaded.profile);
    let nav_handle = handle.clone();
    let sections = if my_role.manages() {
        view! {
            <ProfileSection handle=handle.clone() profile=profile/>
            <ShareSection handle=handle.clone() profile=profile/>
            <MessagesSection handle=handle.clone() settings=loaded.settings/>
            <QuickRepliesSection handle=handle.clone() replies=loaded.replies/>
            <LabelsSection handle=handle.clone() labels=loaded.labels/>
            <TeamSection handle=handle.clone() team=loaded.team me=loaded.me my_role=my_role/>
        }
        .into_any()
    } else {
        view! {
            {alert("Only the business's owner and admins can change settings.".into())}
            <ShareSection handle=handle.clone() profile=profile/>
        }
        .into_any()
    };
    view! {
        {move || {
            let name = profile.with(|p| p.profile.name.clone());
            view! { <BizNav handle=nav_handle.clone() name=name/> }
        }}
        <main class="biz-main biz-settings">
            <h1>"Settings"</h1>
            {sections}
        </main>
    }
}

/// A transient line with role `status` (only present while it has something to say).
fn status_line(text: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        text.get()
            .map(|t| view! { <p class="biz-status" role="status">{t}</p> })
    }
}

/// Selects a read-only field's text when it gets focus, ready to copy.
fn select_all(ev: leptos::ev::FocusEvent) {
    event_target::<web_sys::HtmlInputElement>(&ev).select();
}

/// One weekday of the hours editor.
#[derive(Clone, Copy)]
struct DayEdit {
    open: RwSignal<bool>,
    opens: RwSignal<String>,
    closes: RwSignal<String>,
}

#[component]
fn ProfileSection(handle: String, profile: RwSignal<BusinessProfile>) -> impl IntoView {
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
            opens: RwSignal::new(time::hhmm(first.map_or(9 * 60, |i| i.open))),
            closes: RwSignal::new(time::hhmm(first.map_or(17 * 60, |i| i.close) % 1440)),
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
            let close = if close == 0 { 1440 } else { close };
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
                Err(e) => error.set(Some(e.to_string())),
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
                Err(e) => logo_error.set(Some(e.to_string())),
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
            {status_line(logo_status)}
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
                {status_line(status)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Save profile"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn ShareSection(handle: String, profile: RwSignal<BusinessProfile>) -> impl IntoView {
    let link = format!("{}/@{handle}", urls::origin());
    let copied = RwSignal::new(None::<String>);
    let qr = format!("/api/businesses/{handle}/qr.svg");
    let to_copy = link.clone();
    view! {
        <section class="biz-section" aria-labelledby="biz-share-heading">
            <h2 id="biz-share-heading">"Share"</h2>
            <div class="biz-share">
                <div class="biz-share-text">
                    <div class="field">
                        <label for="biz-short-link">"Short link"</label>
                        <div class="biz-inline">
                            <input id="biz-short-link" readonly prop:value=link
                                on:focus=select_all/>
                            <button class="btn secondary small" type="button"
                                on:click=move |_| {
                                    clipboard::copy_text(&to_copy);
                                    copied.set(Some("Short link copied.".into()));
                                }>
                                "Copy short link"
                            </button>
                        </div>
                    </div>
                    {status_line(copied)}
                    <p class="hint">
                        "Print the QR code on receipts, shop windows and letters: it opens your profile, "
                        "where customers start a chat."
                    </p>
                    <p class="biz-row">
                        <a href=format!("/b/{handle}")>"View public profile"</a>
                        <a href=qr.clone() download=format!("{handle}-qr.svg")>"Download QR code"</a>
                    </p>
                </div>
                <img class="biz-qr" src=qr width="180" height="180"
                    alt=move || format!("QR code for {}", profile.with(|p| p.profile.name.clone()))/>
            </div>
        </section>
    }
}

#[component]
fn MessagesSection(handle: String, settings: BusinessSettings) -> impl IntoView {
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
                Err(e) => error.set(Some(e.to_string())),
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
                {status_line(status)}
                <div class="biz-row">
                    <button class="btn" type="submit" disabled=move || busy.get()>"Save"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn QuickRepliesSection(handle: String, replies: Vec<QuickReply>) -> impl IntoView {
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

#[component]
fn LabelsSection(handle: String, labels: Vec<Label>) -> impl IntoView {
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
                            let swatch = format!("background-color: {}", l.color);
                            let label_name = l.name.clone();
                            view! {
                                <li class="biz-item">
                                    <span class="biz-item-main">
                                        <span class="biz-swatch" style=swatch aria-hidden="true"></span>
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

#[component]
fn TeamSection(handle: String, team: Vec<TeamMember>, me: UserId, my_role: Role) -> impl IntoView {
    let ctx = AppCtx::get();
    let team = RwSignal::new(team);
    let invite_role = RwSignal::new(Role::Agent);
    let invite = RwSignal::new(None::<Invite>);
    let copied = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let handle = StoredValue::new(handle);

    let refresh = move || {
        let Ok(token) = state::token(ctx) else {
            return;
        };
        let handle = handle.get_value();
        spawn_local(async move {
            match business::team(&token, &handle).await {
                Ok(list) => team.set(list),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let remove = move |member: TeamMember| {
        let token = match state::token(ctx) {
            Ok(t) => t,
            Err(e) => {
                error.set(Some(errors::sentence(&e)));
                return;
            }
        };
        let handle = handle.get_value();
        error.set(None);
        spawn_local(async move {
            match business::remove_member(&token, &handle, member.user.id).await {
                Ok(()) => team.update(|list| list.retain(|m| m.user.id != member.user.id)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let create_invite = move |_| {
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
        let handle = handle.get_value();
        let role = invite_role.get_untracked();
        busy.set(true);
        error.set(None);
        copied.set(None);
        spawn_local(async move {
            let result = business::invite(&token, &handle, role).await;
            busy.set(false);
            match result {
                Ok(i) => invite.set(Some(i)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let members = move || {
        team.get()
            .into_iter()
            .map(|m| {
                let is_me = m.user.id == me;
                let removable = m.role != Role::Owner
                    && !is_me
                    && (m.role == Role::Agent || my_role == Role::Owner);
                let aria = format!("Remove {}", m.user.display_name);
                let name = m.user.display_name.clone();
                let member_handle = format!("@{}", m.user.handle);
                let role = m.role.label();
                view! {
                    <li class="biz-item">
                        <span class="biz-item-main biz-member">
                            <span class="biz-member-name">
                                {name}
                                {is_me.then(|| view! { <span class="hint">" (you)"</span> })}
                            </span>
                            <span class="biz-member-handle">{member_handle}</span>
                            <span class="biz-role">{role}</span>
                        </span>
                        {removable.then(|| view! {
                            <button class="btn secondary small" type="button" aria-label=aria
                                on:click=move |_| remove(m.clone())>
                                "Remove"
                            </button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <section class="biz-section" aria-labelledby="biz-team-heading">
            <h2 id="biz-team-heading">"Team"</h2>
            <ul class="biz-items" aria-label="Team members">{members}</ul>
            <div class="biz-row">
                <button class="btn ghost small" type="button" on:click=move |_| refresh()>"Refresh team"</button>
            </div>
            <div class="biz-invite">
                <div class="field">
                    <label for="biz-invite-role">"Role for invite"</label>
                    <select id="biz-invite-role"
                        on:change=move |ev| invite_role.set(
                            if event_target_value(&ev) == "admin" { Role::Admin } else { Role::Agent }
                        )>
                        <option value="agent" selected=move || invite_role.get() == Role::Agent>"Agent"</option>
                        <option value="admin" selected=move || invite_role.get() == Role::Admin>"Admin"</option>
                    </select>
                    <p class="hint">"Agents answer customers; admins also manage settings and agents."</p>
                </div>
                <div class="biz-row">
                    <button class="btn" type="button" on:click=create_invite disabled=move || busy.get()>
                        "Invite agent"
                    </button>
                </div>
            </div>
            {move || error.get().map(alert)}
            {move || invite.get().map(|i| {
                let link = format!("{}{}", urls::origin(), i.path);
                let to_copy = link.clone();
                let expires = time::date_time(i.expires_at.0);
                view! {
                    <div class="field biz-invite-link">
                        <label for="biz-invite-link">"Invite link"</label>
                        <div class="biz-inline">
                            <input id="biz-invite-link" readonly prop:value=link
                                on:focus=select_all/>
                            <button class="btn secondary small" type="button"
                                on:click=move |_| {
                                    clipboard::copy_text(&to_copy);
                                    copied.set(Some("Invite link copied.".into()));
                                }>
                                "Copy link"
                            </button>
                        </div>
                        <p class="hint">
                            "Send it to one person: it works once, makes them " {i.role.label().to_lowercase()}
                            ", and expires " {expires} "."
                        </p>
                    </div>
                }
            })}
            {status_line(copied)}
        </section>
    }
}
