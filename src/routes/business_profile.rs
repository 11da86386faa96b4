//! `/b/{handle}`: a business's public profile, readable logged out, with the button "Message".

use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::components::verified::{PartyAvatar, VerifiedBadge};
use crate::state::AppCtx;
use crate::sync::business;
use crate::time;
use crate::urls;
use crate::urls::login_then;
use kontor_protocol::business::BusinessProfile;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

/// `/b/{handle}`
#[component]
pub fn BusinessProfilePage() -> impl IntoView {
    let params = use_params_map();
    let handle = Memo::new(move |_| params.read().get("handle").unwrap_or_default());
    let profile = LocalResource::new(move || {
        let handle = handle.get();
        async move { business::profile(&handle).await }
    });

    view! {
        <div class="biz-page">
            <TopBar/>
            <main class="biz-main biz-narrow">
                // A plain match, not Transition: this page is in the first visit's bundle, which
                // Transition would grow by 8 KB before compression (measured on 2026-12-03).
                {move || match profile.get() {
                    None => view! { <p class="hint biz-loading">"Loading the profile…"</p> }.into_any(),
                    Some(Err(e)) => view! {
                        <section class="biz-card">
                            <h1>"@"{handle.get_untracked()}</h1>
                            {alert(errors::sentence(&e))}
                            <a class="btn secondary" href="/">"Go to Kontor"</a>
                        </section>
                    }
                    .into_any(),
                    Some(Ok(p)) => view! { <Profile profile=p/> }.into_any(),
                }}
            </main>
        </div>
    }
}

#[component]
fn Profile(profile: BusinessProfile) -> impl IntoView {
    let ctx = AppCtx::get();
    let navigate = use_navigate();
    let handle = profile.handle.to_string();

    // The messenger opens (or starts) the chat; a visitor logs in first and then goes on there.
    let on_message = {
        let chat = format!("/chats?with={handle}");
        move |_| {
            let to = if ctx.auth.with_untracked(Option::is_none) {
                login_then(&chat)
            } else {
                chat.clone()
            };
            navigate(&to, NavigateOptions::default());
        }
    };

    let fields = profile.profile;
    let hours = fields.hours;
    let today = time::weekday_in(&hours.time_zone);
    let open_now = profile.open_now;
    let hours_view = if hours.always_open {
        view! { <p class="biz-always-open">"Open around the clock"</p> }.into_any()
    } else {
        let rows = (0u8..7)
            .map(|d| {
                let is_today = today == Some(d as usize);
                view! {
                    <tr class:biz-today=is_today>
                        <th scope="row">
                            {time::WEEKDAYS[d as usize]}
                            {is_today.then(|| view! { <span class="biz-today-tag">" (today)"</span> })}
                        </th>
                        <td>{time::day_hours(&hours.intervals, d)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="biz-hours">
                <caption>"Opening hours, " {hours.time_zone.clone()} " time"</caption>
                <thead class="visually-hidden">
                    <tr><th scope="col">"Day"</th><th scope="col">"Hours"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };

    let description = (!fields.description.is_empty()).then(|| {
        view! { <p class="biz-description">{fields.description.clone()}</p> }
    });
    let address = (!fields.address.is_empty()).then(|| {
        view! {
            <div class="biz-fact">
                <dt>"Address"</dt>
                <dd><address class="biz-address">{fields.address.clone()}</address></dd>
            </div>
        }
    });
    let email = (!fields.email.is_empty()).then(|| {
        let href = format!("mailto:{}", fields.email);
        view! {
            <div class="biz-fact">
                <dt>"Email"</dt>
                <dd><a href=href>{fields.email.clone()}</a></dd>
            </div>
        }
    });
    let websites = (!fields.websites.is_empty()).then(|| {
        let links = fields
            .websites
            .iter()
            .map(|url| {
                view! {
                    <li>
                        <a href=url.clone() target="_blank" rel="noopener noreferrer nofollow">
                            {urls::short_url(url)}
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="biz-fact">
                <dt>{if fields.websites.len() == 1 { "Website" } else { "Websites" }}</dt>
                <dd><ul class="biz-links">{links}</ul></dd>
            </div>
        }
    });

    view! {
        <article class="biz-card biz-profile">
            <header class="biz-hero">
                <PartyAvatar name=fields.name.clone() key=handle.clone() logo=profile.logo.clone()/>
                <div class="biz-hero-text">
                    <div class="biz-title">
                        <h1>{fields.name.clone()}</h1>
                        {profile.verified.then(|| view! { <VerifiedBadge/> })}
                    </div>
                    <p class="biz-handle">"@"{handle.clone()}</p>
                    <p class="biz-category">{fields.category.label()}</p>
                </div>
            </header>
            <div class="biz-actions">
                <button class="btn" type="button" on:click=on_message>
                    "Message"
                </button>
                <span class=if open_now { "biz-open-pill open" } else { "biz-open-pill closed" }>
                    {if open_now { "Open now" } else { "Closed now" }}
                </span>
            </div>
            {description}
            <dl class="biz-facts">
                {address}
                {email}
                {websites}
            </dl>
            <section class="biz-hours-section">
                <h2>"Opening hours"</h2>
                {hours_view}
            </section>
        </article>
    }
}
