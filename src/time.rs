//! Times and days as people read them, in the browser's locale.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

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
    ((day_start(Date::now()) - day_start(ms)) / 86_400_000.0).round() as i64
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
