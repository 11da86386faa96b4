//! `cargo xtask anchors`: Kontor side by side with ejabberd and Prosody.
//!
//! Runs the shared harness (`../shared/anchors/bench-anchors.sh`, or `KONTOR_ANCHORS_DIR`): the
//! same workload shapes against all three servers, each restarted before every run, medians of
//! `KONTOR_ANCHORS_RUNS` (3) runs; then Kontor alone at 10,000 messages/s. The raw lines are
//! kept in `docs/anchors/`, and the table replaces the section between the markers below in
//! BENCHMARKS.md (`cargo xtask bench` keeps that section when it rewrites the file).

use crate::bench::LIFTED_LIMITS;
use crate::tools::{Result, root, step};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the side-by-side section starts in BENCHMARKS.md.
pub(crate) const START: &str = "<!-- anchors:start -->";
/// Where it ends.
pub(crate) const END: &str = "<!-- anchors:end -->";

/// `cargo xtask anchors`
pub fn anchors(_args: &[String]) -> Result {
    let dir = std::env::var("KONTOR_ANCHORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared/anchors"));
    if !dir.join("bench-anchors.sh").exists() {
        return Err(format!(
            "no anchors harness at {} (set KONTOR_ANCHORS_DIR)",
            dir.display()
        ));
    }
    crate::build::build_release_server_and_bench()?;
    let runs = std::env::var("KONTOR_ANCHORS_RUNS").unwrap_or_else(|_| "3".into());
    let date = crate::bench::today();
    let out_dir = root().join("docs/anchors");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let results = out_dir.join(format!("side-by-side-{}.jsonl", date.replace('-', "")));
    let _ = std::fs::remove_file(&results);

    step(&format!(
        "ejabberd, Prosody and Kontor, {runs} runs of each workload"
    ));
    harness(
        &dir,
        &results,
        &runs,
        &[("SERVERS", "ejabberd prosody kontor")],
    )?;
    step(&format!("Kontor alone at 10,000 messages/s, {runs} runs"));
    harness(
        &dir,
        &results,
        &runs,
        &[
            ("SERVERS", "kontor"),
            ("WORKLOADS", "fixed"),
            ("RATE", "10000"),
        ],
    )?;

    let lines = std::fs::read_to_string(&results).map_err(|e| e.to_string())?;
    let runs: Vec<Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let section = section(&runs, &date, &results);
    println!("\n{section}");
    replace_section(&root().join("BENCHMARKS.md"), &section)
}

fn harness(dir: &Path, results: &Path, runs: &str, settings: &[(&str, &str)]) -> Result {
    let mut cmd = Command::new("bash");
    cmd.arg(dir.join("bench-anchors.sh"))
        .current_dir(dir)
        .env("RUNS", runs)
        .env("RESULTS", results)
        .env("KONTOR_BIN", root().join("target/release/kontor-server"))
        // The anchors run without their shapers and rate limits (see the harness's README):
        // Kontor runs without its abuse limits likewise.
        .envs(LIFTED_LIMITS.iter().copied())
        .envs(settings.iter().copied());
    let status = cmd.status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("bench-anchors.sh {settings:?} failed"));
    }
    Ok(())
}

/// The runs of one server and workload (`rate` only for fixed-rate runs).
fn select<'a>(runs: &'a [Value], server: &str, mode: &str, rate: u64) -> Vec<&'a Value> {
    runs.iter()
        .filter(|r| r["label"] == server)
        .filter(|r| match mode {
            "idle" => r["workload"] == "idle",
            "closed-loop" => r["mode"] == "closed-loop",
            _ => r["mode"] == "fixed-rate" && r["params"]["rate"].as_u64() == Some(rate),
        })
        .collect()
}

/// Median and range of a field over runs.
fn stat(runs: &[&Value], path: &[&str]) -> Option<(f64, f64, f64)> {
    let mut values: Vec<f64> = runs
        .iter()
        .filter_map(|r| path.iter().try_fold(*r, |v, k| v.get(k))?.as_f64())
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(crate::bench::summary(&mut values))
}

fn show(s: Option<(f64, f64, f64)>, scale: f64, decimals: usize, unit: &str) -> String {
    match s {
        Some((m, lo, hi)) => format!(
            "{:.*}{unit} [{:.*}–{:.*}]",
            decimals,
            m * scale,
            decimals,
            lo * scale,
            decimals,
            hi * scale
        ),
        None => "–".into(),
    }
}

fn median(s: Option<(f64, f64, f64)>) -> f64 {
    s.map(|(m, _, _)| m).unwrap_or(f64::NAN)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

fn section(runs: &[Value], date: &str, results: &Path) -> String {
    const SERVERS: [&str; 3] = ["ejabberd", "prosody", "kontor"];
    let per = |mode: &str, rate: u64, path: &[&str]| -> Vec<Option<(f64, f64, f64)>> {
        SERVERS
            .iter()
            .map(|s| stat(&select(runs, s, mode, rate), path))
            .collect()
    };
    let rss = per("idle", 0, &["rss_bytes_per_conn"]);
    let connect = per("idle", 0, &["connect_s"]);
    let relay = per("closed-loop", 0, &["msgs_per_s"]);
    let p50 = per("fixed", 2000, &["latency_ms", "p50"]);
    let p99 = per("fixed", 2000, &["latency_ms", "p99"]);
    let p999 = per("fixed", 2000, &["latency_ms", "p999"]);
    let fast = select(runs, "kontor", "fixed", 10_000);
    let fast_p99 = stat(&fast, &["latency_ms", "p99"]);

    let mut rows = String::new();
    let mut row = |figure: &str, cells: Vec<String>, target: &str, meets: &str| {
        rows += &format!(
            "| {figure} | {} | {target} | {meets} |\n",
            cells.join(" | ")
        );
    };
    let cells = |v: &[Option<(f64, f64, f64)>], scale: f64, d: usize, unit: &str| {
        v.iter().map(|s| show(*s, scale, d, unit)).collect()
    };
    row(
        "RSS per idle connection, 2,000 connections",
        cells(&rss, 1.0 / 1024.0, 1, " KiB"),
        "≤ 10 KiB",
        verdict(median(rss[2]) <= 10.0 * 1024.0),
    );
    row(
        "connect 2,000 authenticated sessions",
        cells(&connect, 1.0, 2, " s"),
        "≤ 1 s",
        verdict(median(connect[2]) <= 1.0),
    );
    row(
        "relay, 100 pairs, window 10 (msg/s)",
        cells(&relay, 1.0, 0, ""),
        "≥ 2 × ejabberd",
        verdict(median(relay[2]) >= 2.0 * median(relay[0])),
    );
    let fixed: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "{:.2} / {:.2} / {:.2} ms",
                median(p50[i]),
                median(p99[i]),
                median(p999[i])
            )
        })
        .collect();
    row(
        "fixed 2,000 msg/s, p50 / p99 / p99.9",
        fixed,
        "p99 ≤ 1 ms, p99.9 ≤ 2 ms",
        verdict(median(p99[2]) <= 1.0 && median(p999[2]) <= 2.0),
    );
    row(
        "fixed 10,000 msg/s, p99",
        vec!["–".into(), "–".into(), show(fast_p99, 1.0, 2, " ms")],
        "≤ 5 ms",
        verdict(median(fast_p99) <= 5.0),
    );
    let disk = stat(
        &select(runs, "kontor", "fixed", 2000),
        &["server_disk_write_bytes"],
    );
    let delivered = stat(&select(runs, "kontor", "fixed", 2000), &["delivered_total"]);
    let per_message = median(disk) / median(delivered);
    let name = results
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(
        "{START}\n## Beside ejabberd and Prosody\n\n\
         Measured by `cargo xtask anchors` on {date} (the shared harness in `../shared/anchors`: \
         the same workload shapes and load generator structure for the three servers, each \
         server restarted before every run; median of the runs, range in brackets). Kontor acks \
         and delivers after a durable commit (`synchronous=FULL`, about {per_message:.0} bytes \
         written per message at 2,000 msg/s); neither anchor writes anything per message. Raw \
         lines: `docs/anchors/{name}`; the harness's README describes the workloads, and the \
         notes below what limits each figure here.\n\n\
         | figure | ejabberd | Prosody | Kontor | target | meets |\n\
         |---|---|---|---|---|---|\n{rows}{END}\n"
    )
}

/// Puts `section` in place of the one between the markers (or at the end).
fn replace_section(path: &Path, section: &str) -> Result {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (text.find(START), text.find(END)) {
        (Some(a), Some(b)) if a < b => {
            format!(
                "{}{section}{}",
                &text[..a],
                &text[b + END.len()..].trim_start_matches('\n')
            )
        }
        _ => match text.find("## Reproduce") {
            Some(at) => format!("{}{section}\n{}", &text[..at], &text[at..]),
            None => format!("{}\n\n{section}", text.trim_end()),
        },
    };
    std::fs::write(path, updated).map_err(|e| e.to_string())?;
    println!("Wrote the side-by-side section of {}", path.display());
    Ok(())
}

/// The side-by-side section of an existing BENCHMARKS.md, to keep when the rest is rewritten.
pub(crate) fn kept_section(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match (text.find(START), text.find(END)) {
        (Some(a), Some(b)) if a < b => format!("\n{}\n", &text[a..b + END.len()]),
        _ => String::new(),
    }
}
