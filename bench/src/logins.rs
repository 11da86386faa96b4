//! Memory after a burst of logins. Each login checks an argon2id hash (19 MiB of memory); the
//! server should give that memory back, not keep it (a fresh server once kept 1 GiB after 600).

use crate::client::{PASSWORD, Server};
use crate::proc_status_kib;
use anyhow::{Result, bail};
use futures_util::{StreamExt, stream};
use kontor_protocol::api::LoginRequest;
use serde_json::{Value, json};
use std::time::Instant;

/// Accounts the logins are spread over.
const ACCOUNTS: usize = 4;

/// `count` logins, `in_flight` at a time, on a server started for this; its memory before,
/// at its peak and after.
pub async fn logins(server: &Server, count: usize, in_flight: usize, pid: u32) -> Result<Value> {
    // Before anything was hashed: the registrations' hashes count too.
    let before = proc_status_kib(pid, "VmRSS")?;
    let accounts = server.register_many("burst", ACCOUNTS).await?;
    let started = Instant::now();
    let answers: Vec<u16> = stream::iter(0..count)
        .map(|i| {
            let handle = accounts[i % ACCOUNTS].user.handle.as_str().to_owned();
            async move {
                server
                    .http()
                    .post(format!("{}/api/login", server.base()))
                    .json(&LoginRequest {
                        handle,
                        password: PASSWORD.into(),
                    })
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    let refused = answers.iter().filter(|s| **s != 200).count();
    if refused > 0 {
        bail!("{refused} of {count} logins failed: {answers:?}");
    }
    Ok(json!({
        "bench": "logins",
        "logins": count,
        "in_flight": in_flight,
        "seconds": seconds,
        "rss_before_kib": before,
        "rss_peak_kib": proc_status_kib(pid, "VmHWM")?,
        "rss_after_kib": proc_status_kib(pid, "VmRSS")?,
    }))
}
