//! `/biz/{handle}/stats`: the business's statistics per day, for its team.

use crate::components::biz_nav::BizNav;
use crate::components::errors;
use crate::components::top_bar::{TopBar, alert};
use crate::state;
use crate::state::AppCtx;
use crate::sync::business;
use crate::time;
use crate::urls::handle_param;
use js_sys::{Date, Object, Reflect};
use kontor_protocol::business::DayStats;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The periods the select "Period" offers, in days.
const PERIODS: [u32; 4] = [7, 14, 30, 90];

/// `/biz/{handle}/stats`
#[component]
pub fn BusinessStatsPage() -> impl IntoView {
    let handle = handle_param();
    move || view! { <Stats handle=handle.get()/> }
}

/// `YYYY-MM-DD` as people read it, "Mon, 3 Nov 2026" (the day itself, no time zone shift).
fn day_label(day: &str) -> String {
    let mut parts = day.split('-').map(|p| p.parse::<i32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next())
    else {
        return day.to_string();
    };
    let ms = Date::utc(y as f64, (m - 1) as f64) + (d - 1) as f64 * time::DAY_MS;
    let options = Object::new();
    for (k, v) in [
        ("weekday", "short"),
        ("day", "numeric"),
        ("month", "short"),
        ("year", "numeric"),
        ("timeZone", "UTC"),
    ] {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    Date::new(&JsValue::from_f64(ms))
        .to_locale_date_string("default", &options)
        .into()
}

#[component]
fn Stats(handle: String) -> impl IntoView {
    let ctx = AppCtx::get();
    let days = RwSignal::new(14u32);
    let profile = LocalResource::new({
        let handle = handle.clone();
        move || {
            let handle = handle.clone();
            async move { business::profile(&handle).await.ok() }
        }
    });
    let stats = LocalResource::new({
        let handle = handle.clone();
        move || {
            let days = days.get();
            let token = state::token(ctx);
            let handle = handle.clone();
            async move { business::stats(&token?, &handle, days).await }
        }
    });

    // The dashboard navigation only for the team (outsiders just get the refusal).
    let on_team = RwSignal::new(false);
    Effect::new(move || {
        if matches!(stats.get(), Some(Ok(_))) {
            on_team.set(true);
        }
    });
    let nav_handle = handle.clone();
    view! {
        <div class="biz-page">
            <TopBar/>
            {move || profile.get().flatten().filter(|_| on_team.get()).map(|p| {
                view! { <BizNav handle=nav_handle.clone() name=p.profile.name/> }
            })}
            <main class="biz-main biz-stats">
                <h1>"Statistics"</h1>
                <div class="field biz-period">
                    <label for="biz-period">"Period"</label>
                    <select id="biz-period"
                        on:change=move |ev| {
                            if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                                days.set(n);
                            }
                        }>
                        {PERIODS
                            .into_iter()
                            .map(|n| view! {
                                <option value=n.to_string() selected=move || days.get() == n>
                                    {format!("Last {n} days")}
                                </option>
                            })
                            .collect_view()}
                    </select>
                </div>
                // Another period keeps the table shown until its figures arrive.
                <Transition fallback=|| view! { <p class="hint">"Loading the statistics…"</p> }>
                    {move || Suspend::new(async move {
                        match stats.await {
                            Ok(s) => view! { <StatsTable days=s.days/> }.into_any(),
                            Err(e) => alert(errors::sentence(&e)).into_any(),
                        }
                    })}
                </Transition>
                <p class="hint">
                    "Days are counted in the business's time zone. Sent counts every message the "
                    "business sent, automatic greetings and away messages included; first response "
                    "is the median time from a customer's opening message to an agent's first answer."
                </p>
            </main>
        </div>
    }
}

#[component]
fn StatsTable(days: Vec<DayStats>) -> impl IntoView {
    let mut total = DayStats::default();
    for d in &days {
        total.sent += d.sent;
        total.delivered += d.delivered;
        total.read += d.read;
        total.received += d.received;
        total.opened += d.opened;
        total.resolved += d.resolved;
    }
    let rows = days
        .into_iter()
        .rev()
        .map(|d| {
            let label = day_label(&d.day);
            view! {
                <tr>
                    <th scope="row"><time datetime=d.day.clone()>{label}</time></th>
                    <td>{d.sent}</td>
                    <td>{d.delivered}</td>
                    <td>{d.read}</td>
                    <td>{d.received}</td>
                    <td>{d.opened}</td>
                    <td>{d.resolved}</td>
                    <td>{time::duration(d.median_first_response_ms)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="biz-table-wrap">
            <table class="biz-table">
                <caption>"Statistics per day"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        <th scope="col">"Sent"</th>
                        <th scope="col">"Delivered"</th>
                        <th scope="col">"Read"</th>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Opened"</th>
                        <th scope="col">"Resolved"</th>
                        <th scope="col">"Median first response"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">"Total"</th>
                        <td>{total.sent}</td>
                        <td>{total.delivered}</td>
                        <td>{total.read}</td>
                        <td>{total.received}</td>
                        <td>{total.opened}</td>
                        <td>{total.resolved}</td>
                        <td>"—"</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}
