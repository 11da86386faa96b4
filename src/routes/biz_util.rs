//! Pieces the business pages share: the top bar, waiting for the engine, the browser's time zone,
//! the clipboard, and times written as people read them.

use crate::app::AppCtx;
use crate::components::account_menu::AccountMenu;
use crate::components::brand::Brand;
use crate::sync::{ConnStatus, Engine};
use js_sys::{Array, Function, Object, Reflect};
use kontor_protocol::SessionToken;
use kontor_protocol::business::OpenInterval;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};

/// Weekday names, Monday first (the protocol's `weekday` 0 = Monday).
pub(crate) const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The page's origin, for example `https://kontor.example`.
pub(crate) fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A team page of the business in the route's `:handle` (`/biz/{handle}/{section}`): logged-out
/// visitors go to the login page and come back here afterwards.
pub(crate) fn team_page(
    section: &'static str,
    page: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = AppCtx::get();
    let params = leptos_router::hooks::use_params_map();
    let handle = Memo::new(move |_| params.read().get("handle").unwrap_or_default());
    move || {
        let handle = handle.get();
        if ctx.auth.with(Option::is_none) {
            let back = super::login::login_then(&format!("/biz/{handle}/{section}"));
            view! { <leptos_router::components::Redirect path=back options=crate::app::replace()/> }
                .into_any()
        } else {
            page(handle)
        }
    }
}

/// The session token, or the sentence to show when there is none.
pub(crate) fn token(ctx: AppCtx) -> Result<SessionToken, String> {
    ctx.auth
        .try_get_untracked()
        .flatten()
        .map(|a| a.token)
        .ok_or_else(|| "You are logged out. Log in again to continue.".to_string())
}

/// Runs an authorised API call in the background: a missing session or the server's refusal
/// lands in `error`, `busy` is on meanwhile, and `done` gets the answer.
pub(crate) fn call<T, F>(
    ctx: AppCtx,
    error: RwSignal<Option<String>>,
    busy: Option<RwSignal<bool>>,
    request: impl FnOnce(SessionToken) -> F + 'static,
    done: impl FnOnce(T) + 'static,
) where
    T: 'static,
    F: std::future::Future<Output = Result<T, crate::api::ApiFailure>> + 'static,
{
    let token = match token(ctx) {
        Ok(t) => t,
        Err(e) => {
            error.set(Some(e));
            return;
        }
    };
    if let Some(b) = busy {
        b.set(true);
    }
    error.set(None);
    spawn_local(async move {
        let result = request(token).await;
        if let Some(b) = busy {
            b.set(false);
        }
        match result {
            Ok(answer) => done(answer),
            Err(e) => error.set(Some(e.to_string())),
        }
    });
}

/// The logged-in account's engine, waiting (up to 30 s) while it opens its database.
pub(crate) async fn engine(ctx: AppCtx) -> Result<Arc<Engine>, String> {
    for _ in 0..300 {
        if let Some(engine) = ctx.engine.try_get_untracked().flatten() {
            return Ok(engine);
        }
        if let Some(e) = ctx.engine_error.try_get_untracked().flatten() {
            return Err(e);
        }
        if ctx.auth.try_with_untracked(Option::is_none).unwrap_or(true) {
            return Err("You are logged out. Log in again to continue.".into());
        }
        gloo_timers::future::TimeoutFuture::new(100).await;
    }
    Err("Kontor is still starting. Please try again in a moment.".into())
}

/// The engine once its connection is live (waiting up to 10 s more), for requests that need the
/// server; after that the engine's own request reports being offline.
pub(crate) async fn online_engine(ctx: AppCtx) -> Result<Arc<Engine>, String> {
    let engine = engine(ctx).await?;
    for _ in 0..100 {
        if engine.status.try_get_untracked() == Some(ConnStatus::Online) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(100).await;
    }
    Ok(engine)
}

/// A new `Intl.DateTimeFormat(locale, options)`, or `None` when the browser refuses the options
/// (an unknown time zone throws a `RangeError`).
fn date_time_format(locale: &str, options: &[(&str, &str)]) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let ctor: Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
        .ok()?
        .dyn_into()
        .ok()?;
    let opts = Object::new();
    for (k, v) in options {
        Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
    }
    Reflect::construct(&ctor, &Array::of2(&JsValue::from_str(locale), &opts)).ok()
}

/// The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`), or UTC.
pub(crate) fn browser_time_zone() -> String {
    date_time_format("en-US", &[])
        .and_then(|f| {
            let resolved: Function = Reflect::get(&f, &JsValue::from_str("resolvedOptions"))
                .ok()?
                .dyn_into()
                .ok()?;
            let options = resolved.call0(&f).ok()?;
            Reflect::get(&options, &JsValue::from_str("timeZone"))
                .ok()?
                .as_string()
        })
        .filter(|tz| !tz.is_empty())
        .unwrap_or_else(|| "UTC".into())
}

/// Today's weekday (0 = Monday) in the time zone `tz`, when the browser knows that zone.
pub(crate) fn weekday_in(tz: &str) -> Option<usize> {
    let f = date_time_format("en-US", &[("timeZone", tz), ("weekday", "long")])?;
    let format: Function = Reflect::get(&f, &JsValue::from_str("format"))
        .ok()?
        .dyn_into()
        .ok()?;
    let name = format.call1(&f, &js_sys::Date::new_0()).ok()?.as_string()?;
    WEEKDAYS.iter().position(|d| *d == name)
}

/// Copies text to the clipboard; failure (no permission, insecure origin) is ignored.
pub(crate) fn copy_text(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator: JsValue = window.navigator().into();
    let Ok(clipboard) = Reflect::get(&navigator, &JsValue::from_str("clipboard")) else {
        return;
    };
    if clipboard.is_undefined() || clipboard.is_null() {
        return;
    }
    let Some(write) = Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    else {
        return;
    };
    if let Ok(promise) = write.call1(&clipboard, &JsValue::from_str(text))
        && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
    {
        // Await it so a refusal does not surface as an unhandled rejection.
        spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// Minutes after midnight as `HH:MM` (1440 is `24:00`).
pub(crate) fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An `<input type="time">` value (`HH:MM` or `HH:MM:SS`) as minutes after midnight.
pub(crate) fn parse_hhmm(value: &str) -> Option<u16> {
    let mut parts = value.trim().split(':');
    let hours: u16 = parts.next()?.parse().ok()?;
    let minutes: u16 = parts.next()?.parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// One weekday's opening times as text: "09:00–12:00, 13:00–17:00", or "Closed".
pub(crate) fn day_hours(intervals: &[OpenInterval], weekday: u8) -> String {
    let mut day: Vec<&OpenInterval> = intervals.iter().filter(|i| i.weekday == weekday).collect();
    if day.is_empty() {
        return "Closed".into();
    }
    day.sort_by_key(|i| i.open);
    day.iter()
        .map(|i| {
            if i.open == 0 && i.close >= 1440 {
                "All day".to_string()
            } else {
                format!("{}–{}", hhmm(i.open), hhmm(i.close))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A duration for people: "1 h 5 min", "2 min 5 s", "45 s", or "—" when there is none.
pub(crate) fn duration(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let secs = (ms + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) if s == 0 => format!("{m} min"),
        (0, _) => format!("{m} min {s} s"),
        _ if m == 0 => format!("{h} h"),
        _ => format!("{h} h {m} min"),
    }
}

/// A moment (ms since the epoch) as a local date and time, "3 March 2026, 14:05".
pub(crate) fn date_time(ms: i64) -> String {
    let options = Object::new();
    for (k, v) in [
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
        ("hour", "numeric"),
        ("minute", "2-digit"),
    ] {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_locale_string("default", &options)
        .into()
}

/// A website address without its scheme and trailing slash, for showing.
pub(crate) fn short_url(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// A website as typed, with `https://` added when the scheme is missing.
pub(crate) fn website(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        None
    } else if typed.contains("://") {
        Some(typed.to_string())
    } else {
        Some(format!("https://{typed}"))
    }
}

/// A message in an element with role `alert`.
pub(crate) fn alert(message: String) -> impl IntoView {
    view! { <p class="alert" role="alert">{message}</p> }
}

/// The bar on top of the business pages: the brand (home) and, logged in, the chats and the
/// account menu (logged out, each page offers its own way to log in).
#[component]
pub(crate) fn TopBar() -> impl IntoView {
    let ctx = AppCtx::get();
    let logged_in = move || ctx.auth.with(Option::is_some);
    view! {
        <header class="biz-topbar">
            <a class="biz-home" aria-label="Kontor" href=move || if logged_in() { "/chats" } else { "/" }>
                <Brand/>
            </a>
            <div class="biz-topbar-actions">
                <Show when=logged_in>
                    <a class="btn ghost small" href="/chats">"Chats"</a>
                    <AccountMenu/>
                </Show>
            </div>
        </header>
    }
}
