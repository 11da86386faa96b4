//! Times and days as people read them, in the browser's locale.

use js_sys::{Array, Date, Function, Object, Reflect};
use kontor_protocol::business::OpenInterval;
use wasm_bindgen::{JsCast, JsValue};

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o.into()
}

fn date(ms: f64) -> Date {
    Date::new(&JsValue::from_f64(ms))
}

/// Start of the local day containing `ms`.
fn day_start(ms: f64) -> f64 {
    let d = date(ms);
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time()
}

/// "14:05" (or "2:05 PM", as the locale has it).
pub fn clock(ms: f64) -> String {
    date(ms)
        .to_locale_time_string_with_options(
            "default",
            &options(&[("hour", "numeric"), ("minute", "2-digit")]),
        )
        .into()
}

/// A key that is equal for two times on the same local day.
pub fn day_key(ms: f64) -> i64 {
    day_start(ms) as i64
}

/// Whole local days between `ms` and now (0 = today).
fn days_ago(ms: f64) -> i64 {
    ((day_start(Date::now()) - day_start(ms)) / DAY_MS).round() as i64
}

fn date_string(ms: f64, parts: &[(&str, &str)]) -> String {
    date(ms)
        .to_locale_date_string("default", &options(parts))
        .into()
}

/// "Today", "Yesterday", "Monday", or "3 March 2026".
pub fn day_label(ms: f64) -> String {
    match days_ago(ms) {
        0 => "Today".into(),
        1 => "Yesterday".into(),
        2..=6 => date_string(ms, &[("weekday", "long")]),
        _ => date_string(
            ms,
            &[("day", "numeric"), ("month", "long"), ("year", "numeric")],
        ),
    }
}

/// The chat list's short time: a clock today, a weekday this week, a date before.
pub fn short(ms: f64) -> String {
    match days_ago(ms) {
        0 => clock(ms),
        1 => "Yesterday".into(),
        2..=6 => date_string(ms, &[("weekday", "short")]),
        _ => date_string(ms, &[("day", "numeric"), ("month", "short")]),
    }
}

/// Weekday names, Monday first (the protocol's `weekday` 0 = Monday).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

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
pub fn browser_time_zone() -> String {
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
pub fn weekday_in(tz: &str) -> Option<usize> {
    let f = date_time_format("en-US", &[("timeZone", tz), ("weekday", "long")])?;
    let format: Function = Reflect::get(&f, &JsValue::from_str("format"))
        .ok()?
        .dyn_into()
        .ok()?;
    let name = format.call1(&f, &js_sys::Date::new_0()).ok()?.as_string()?;
    WEEKDAYS.iter().position(|d| *d == name)
}

/// Minutes in a day: an opening interval that closes at midnight ends at this minute.
pub use kontor_protocol::business::MINUTES_PER_DAY;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 60 * 60 * 1000;
/// Milliseconds in a day (of 24 hours: days are counted from local midnights elsewhere).
pub const DAY_MS: f64 = 24.0 * HOUR_MS as f64;

/// Minutes after midnight as `HH:MM` ([`MINUTES_PER_DAY`] is `24:00`).
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An `<input type="time">` value (`HH:MM` or `HH:MM:SS`) as minutes after midnight.
pub fn parse_hhmm(value: &str) -> Option<u16> {
    let mut parts = value.trim().split(':');
    let hours: u16 = parts.next()?.parse().ok()?;
    let minutes: u16 = parts.next()?.parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// One weekday's opening times as text: "09:00–12:00, 13:00–17:00", or "Closed".
pub fn day_hours(intervals: &[OpenInterval], weekday: u8) -> String {
    let mut day: Vec<&OpenInterval> = intervals.iter().filter(|i| i.weekday == weekday).collect();
    if day.is_empty() {
        return "Closed".into();
    }
    day.sort_by_key(|i| i.open);
    day.iter()
        .map(|i| {
            if i.open == 0 && i.close >= MINUTES_PER_DAY {
                "All day".to_string()
            } else {
                format!("{}–{}", hhmm(i.open), hhmm(i.close))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A duration for people: "1 h 5 min", "2 min 5 s", "45 s", or "—" when there is none.
pub fn duration(ms: Option<u64>) -> String {
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
pub fn date_time(ms: i64) -> String {
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
