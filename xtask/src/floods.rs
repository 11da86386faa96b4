//! The floods benchmark's server settings and its rows in BENCHMARKS.md.

use crate::bench::{BENCH_OPERATOR_TOKEN, Row};

/// The server with its default limits, behind a "proxy" on loopback: the load generator's
/// `X-Forwarded-For` says which address each client comes from.
pub(crate) const FLOOD_SETTINGS: &[(&str, &str)] = &[
    ("KONTOR_TRUSTED_PROXIES", "127.0.0.1"),
    ("KONTOR_REGISTRATIONS_PER_IP_PER_HOUR", "1000000"),
    ("KONTOR_OPERATOR_TOKEN", BENCH_OPERATOR_TOKEN),
];

/// One row per flood: what the real user saw during it, beside the quiet figures.
pub(crate) fn flood_rows(results: &serde_json::Value, rows: &mut Vec<Row>) {
    let quiet = &results["quiet"];
    let seen = |r: &serde_json::Value| {
        format!(
            "login {:.0} ms ({} refusals waited out), sync {:.0} ms, send p50 {:.1} ms (max {:.1})",
            r["login_ms"].as_f64().unwrap_or(f64::NAN),
            r["login_refusals"].as_u64().unwrap_or(0),
            r["sync_ms"].as_f64().unwrap_or(f64::NAN),
            r["send_p50_ms"].as_f64().unwrap_or(f64::NAN),
            r["send_max_ms"].as_f64().unwrap_or(f64::NAN),
        )
    };
    rows.push(Row {
        figure: "Real user, no flood (login, sync, send to ack)",
        target: "–",
        value: seen(quiet),
        meets: None,
    });
    for (key, figure) in [
        (
            "logins_one_address",
            "Real user during 300 wrong logins at once on their account from one address",
        ),
        (
            "logins_many_addresses",
            "Real user during 300 wrong logins at once on their account from 250 addresses",
        ),
        (
            "password_line",
            "Real user during 300 logins at once on other accounts from 250 addresses",
        ),
        (
            "messages",
            "Real user during a stranger's message flood (17 of 32 KiB, then small ones for 3 s)",
        ),
        (
            "sockets",
            "Real user during 1,000 sockets opened at once from one address",
        ),
    ] {
        let r = &results[key];
        let extra = match key {
            "messages" => format!(
                "; flood: {} accepted, {} refused",
                r["flood_accepted"], r["flood_refused"]
            ),
            "sockets" => format!(
                "; flood: {} opened, {} refused",
                r["sockets_opened"], r["sockets_refused"]
            ),
            _ => format!(
                "; flood: {} refused at once, {} answered",
                r["flood_refused"], r["flood_answered"]
            ),
        };
        rows.push(Row {
            figure,
            target: "works",
            value: format!("{}{extra}", seen(r)),
            meets: Some(r["login_ms"].is_number()),
        });
    }
    rows.push(Row {
        figure: "Server peak memory over all floods",
        target: "–",
        value: format!(
            "{:.0} MiB",
            results["server_peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0
        ),
        meets: None,
    });
}
