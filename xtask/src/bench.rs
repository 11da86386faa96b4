//! `cargo xtask bench`: runs the benchmarks against a release server on loopback, with the load
//! generator (`kontor-bench`) as a separate process, and writes BENCHMARKS.md.
//!

use crate::floods::{FLOOD_SETTINGS, flood_rows};
use crate::notes::NOTES;
use crate::tools::{Result, root, step};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Raises the open-file limit to the hard limit (as far as an unprivileged process may).
pub(crate) const RAISE_NOFILE: &str = "ulimit -n \"$(ulimit -Hn)\"";

/// The hard limit on open files here: it bounds the connections one process can hold.
fn hard_nofile() -> u64 {
    Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(u64::MAX)
}

struct RunningServer {
    child: Child,
    url: String,
    _data: TempDir,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch folder removed on drop (std has none; not worth a dependency for xtask).
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("kontor-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The benchmarks measure the server, not its abuse limits: thousands of clients from one
/// address register, connect and send at full speed.
pub(crate) const LIFTED_LIMITS: &[(&str, &str)] = &[
    ("KONTOR_REGISTRATIONS_PER_IP_PER_HOUR", "1000000"),
    ("KONTOR_LOGINS_PER_IP_PER_MINUTE", "1000000"),
    ("KONTOR_LOGINS_PER_ACCOUNT_PER_HOUR", "1000000"),
    ("KONTOR_MESSAGES_PER_USER_PER_MINUTE", "100000000"),
    ("KONTOR_FRAMES_PER_CONNECTION_PER_MINUTE", "100000000"),
    ("KONTOR_CONNECTIONS_PER_IP", "10000000"),
    ("KONTOR_CONNECTIONS_PER_USER", "10000000"),
    ("KONTOR_PASSWORD_QUEUE", "100000"),
    ("KONTOR_OPERATOR_TOKEN", BENCH_OPERATOR_TOKEN),
];

/// Lets the load generator read the server's connection count.
pub(crate) const BENCH_OPERATOR_TOKEN: &str = "kontor-bench-operator";

fn start_server(tag: &str) -> Result<RunningServer> {
    start_server_with(tag, LIFTED_LIMITS)
}

fn start_server_with(tag: &str, settings: &[(&str, &str)]) -> Result<RunningServer> {
    let data = TempDir::new(tag)?;
    let bin = root().join("target/release/kontor-server");
    // `exec` keeps the pid: the benchmark reads the server's memory from /proc.
    let script = format!(
        "{RAISE_NOFILE} && exec {} --addr 127.0.0.1:0 --data-dir {} --static-dir {}",
        bin.display(),
        data.0.display(),
        root().join("dist").display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .env("RUST_LOG", "warn")
        .envs(settings.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .trim()
        .strip_prefix("Kontor is running at ")
        .ok_or_else(|| format!("unexpected server output {line:?}"))?
        .trim_end_matches('/')
        .to_owned();
    Ok(RunningServer {
        child,
        url,
        _data: data,
    })
}

fn run_bench(server: &RunningServer, args: &[String]) -> Result<serde_json::Value> {
    let bin = root().join("target/release/kontor-bench");
    let script = format!(
        "{RAISE_NOFILE} && exec {} --url {} {}",
        bin.display(),
        server.url,
        args.join(" ")
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("KONTOR_OPERATOR_TOKEN", BENCH_OPERATOR_TOKEN)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("kontor-bench {args:?} failed"));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).map_err(|e| format!("bad bench output {last:?}: {e}"))
}

/// Median and (min, max) of repeated runs.
pub(crate) fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

pub(crate) struct Row {
    pub(crate) figure: &'static str,
    pub(crate) target: &'static str,
    pub(crate) value: String,
    pub(crate) meets: Option<bool>,
}

fn repeated(
    runs: usize,
    tag: &str,
    args: &[String],
    field: &str,
) -> Result<(f64, f64, f64, Vec<serde_json::Value>)> {
    let mut values = Vec::new();
    let mut outputs = Vec::new();
    for i in 0..runs {
        let server = start_server(&format!("{tag}{i}"))?;
        let out = run_bench(&server, args)?;
        println!("    {tag} run {}: {out}", i + 1);
        values.push(out[field].as_f64().ok_or(format!("no {field} in {out}"))?);
        outputs.push(out);
    }
    let (m, lo, hi) = summary(&mut values);
    Ok((m, lo, hi, outputs))
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `cargo xtask bench`
pub fn bench(_args: &[String]) -> Result {
    crate::build::build_web()?;
    crate::build::build_release_server_and_bench()?;
    let runs: usize = std::env::var("KONTOR_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // Each connection is one file descriptor in the server (and one in the generator): the
    // hard limit caps what this machine can show, whatever the server could do.
    let nofile = hard_nofile();
    let idle_connections = std::env::var("KONTOR_BENCH_IDLE")
        .unwrap_or_else(|_| 200_000u64.min(nofile.saturating_sub(1_000)).to_string());
    let mut rows = Vec::new();

    step("First-visit bytes on the wire");
    let (bytes, _, _, outs) = repeated(1, "bytes", &args(&["bytes"]), "total_bytes")?;
    rows.push(Row {
        figure: "First visit, bytes on the wire (html+js+wasm+css, brotli as served)",
        target: "≤ 150 KB",
        value: format!("{:.1} KB", bytes / 1000.0),
        meets: Some(bytes <= 150_000.0),
    });
    let messenger = outs[0]["messenger_bytes"].as_f64().unwrap_or(f64::NAN);
    rows.push(Row {
        figure: "Messenger (its own bundle), bytes when first opened at /chats",
        target: "≤ 250 KB",
        value: format!("{:.1} KB", messenger / 1000.0),
        meets: Some(messenger <= 250_000.0),
    });
    let business = outs[0]["business_bytes"].as_f64().unwrap_or(f64::NAN);
    rows.push(Row {
        figure: "Business dashboard (its own bundle), bytes when first opened at /biz",
        target: "–",
        value: format!("{:.1} KB", business / 1000.0),
        meets: None,
    });

    step(&format!(
        "Durable throughput: 1,000 clients in 500 pairs, {runs} runs of 10 s"
    ));
    let (m, lo, hi, _) = repeated(
        runs,
        "throughput",
        &args(&[
            "throughput",
            "--clients",
            "1000",
            "--window",
            "16",
            "--seconds",
            "10",
        ]),
        "acked_per_second",
    )?;
    rows.push(Row {
        figure: "Messages/s acknowledged after durable commit (1,000 clients, 16 in flight each)",
        target: "≥ 20,000/s",
        value: format!("{m:.0}/s (runs {lo:.0}–{hi:.0})"),
        meets: Some(m >= 20_000.0),
    });

    step(&format!(
        "Latency at 10,000 messages/s, {runs} runs of 10 s"
    ));
    let latency_args = args(&[
        "throughput",
        "--clients",
        "1000",
        "--rate",
        "10000",
        "--seconds",
        "10",
    ]);
    let (p50, lo50, hi50, outs) = repeated(runs, "latency", &latency_args, "latency_p50_ms")?;
    let mut p99s: Vec<f64> = outs
        .iter()
        .filter_map(|o| o["latency_p99_ms"].as_f64())
        .collect();
    let (p99, lo99, hi99) = summary(&mut p99s);
    rows.push(Row {
        figure: "Send→receive latency p50 at 10,000 msg/s",
        target: "≤ 2 ms",
        value: format!("{p50:.2} ms (runs {lo50:.2}–{hi50:.2})"),
        meets: Some(p50 <= 2.0),
    });
    rows.push(Row {
        figure: "Send→receive latency p99 at 10,000 msg/s",
        target: "≤ 20 ms",
        value: format!("{p99:.2} ms (runs {lo99:.2}–{hi99:.2})"),
        meets: Some(p99 <= 20.0),
    });

    step(&format!("Catch-up of 100,000 missed messages, {runs} runs"));
    let (m, lo, hi, _) = repeated(
        runs,
        "catchup",
        &args(&["catchup", "--messages", "100000"]),
        "seconds",
    )?;
    rows.push(Row {
        figure: "Reconnect with 100,000 missed messages: all received",
        target: "≤ 3 s",
        value: format!("{m:.2} s (runs {lo:.2}–{hi:.2})"),
        meets: Some(m <= 3.0),
    });

    step(&format!("Idle connections: {idle_connections}"));
    let server = start_server("idle")?;
    let pid = server.child.id().to_string();
    let out = run_bench(
        &server,
        &args(&[
            "idle",
            "--connections",
            &idle_connections,
            "--users",
            "20",
            "--sources",
            "16",
            "--server-pid",
            &pid,
        ]),
    )?;
    println!("    idle: {out}");
    drop(server);
    let per = out["kib_per_connection"].as_f64().unwrap_or(f64::NAN);
    let held = out["server_counted"].as_u64().unwrap_or(0);
    rows.push(Row {
        figure: "Idle authenticated WebSocket connections held",
        target: "≥ 200,000",
        value: format!(
            "{held} (opened in {:.0} s; open-file hard limit here: {nofile})",
            out["open_seconds"].as_f64().unwrap_or(0.0)
        ),
        meets: Some(held >= 200_000),
    });
    rows.push(Row {
        figure: "Server memory per idle connection (RSS growth / connections)",
        target: "≤ 16 KiB",
        value: format!("{per:.1} KiB"),
        meets: Some(per <= 16.0),
    });

    step("A burst of 600 logins, 4 at a time, on a fresh server");
    let server = start_server("logins")?;
    let pid = server.child.id().to_string();
    let out = run_bench(&server, &args(&["logins", "--server-pid", &pid]))?;
    println!("    logins: {out}");
    drop(server);
    let mib = |k: &str| out[k].as_f64().unwrap_or(f64::NAN) / 1024.0;
    let (before, peak, after) = (
        mib("rss_before_kib"),
        mib("rss_peak_kib"),
        mib("rss_after_kib"),
    );
    rows.push(Row {
        figure: "Server memory after 600 logins, 4 at a time (argon2id, 19 MiB each): growth",
        target: "≤ 50 MiB",
        value: format!(
            "{:.0} MiB ({before:.0} → {after:.0} MiB, peak {peak:.0} MiB; {:.1} s)",
            after - before,
            out["seconds"].as_f64().unwrap_or(f64::NAN)
        ),
        meets: Some(after - before <= 50.0),
    });

    step("Floods against the default limits, a real user probing during each");
    let server = start_server_with("floods", FLOOD_SETTINGS)?;
    let pid = server.child.id().to_string();
    let out = run_bench(&server, &args(&["floods", "--server-pid", &pid]))?;
    println!("    floods: {out}");
    drop(server);
    flood_rows(&out["results"], &mut rows);

    step("Fault suite: 1,000,000 messages while the server is killed and restarted");
    let soak = crate::soak::run(1_000_000)?;
    println!("    soak: {soak}");
    let count = |k: &str| soak[k].as_u64().unwrap_or(u64::MAX);
    let clean = crate::soak::clean(&soak);
    rows.push(Row {
        figure: "Fault suite: 1,000,000 messages between 100 pairs, server SIGKILLed at random \
                 and restarted (acknowledged lost / duplicated / out of order)",
        target: "0 / 0 / 0",
        value: format!(
            "{} / {} / {} ({} kills, {} reconnects, {} of {} acknowledged, sent in {:.0} s)",
            count("acknowledged_lost"),
            count("duplicated"),
            count("out_of_order"),
            count("kills"),
            count("reconnects"),
            count("acknowledged"),
            count("messages"),
            soak["send_seconds"].as_f64().unwrap_or(f64::NAN)
        ),
        meets: Some(clean),
    });

    if std::env::var("KONTOR_BENCH_BROWSER").as_deref() != Ok("0") {
        browser(&mut rows)?;
    }

    let projected = per * 200_000.0 / 1024.0 / 1024.0;
    write_report(&rows, runs, nofile, projected)
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// The client figures: a seeded server, then headless Chromium driven by `bench/browser.mjs`.
fn browser(rows: &mut Vec<Row>) -> Result {
    let chats = env_or("KONTOR_BENCH_CHATS", "1000");
    let long = env_or("KONTOR_BENCH_LONG", "100000");
    let customers = env_or("KONTOR_BENCH_CUSTOMERS", "10000");
    step(&format!(
        "Browser: seeding {chats} chats, a chat of {long} messages, {customers} customer conversations"
    ));
    let server = start_server("browser")?;
    let seed = run_bench(
        &server,
        &args(&[
            "seed",
            "--chats",
            &chats,
            "--long",
            &long,
            "--customers",
            &customers,
        ]),
    )?;
    let seed_file = server._data.0.join("seed.json");
    std::fs::write(&seed_file, seed.to_string()).map_err(|e| e.to_string())?;
    step("Browser: headless Chromium (medians of 3 where repeated)");
    let out = Command::new("node")
        .arg(root().join("bench/browser.mjs"))
        .arg(&server.url)
        .arg(&seed_file)
        .arg(root().join("target/release/kontor-bench"))
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("the browser benchmark failed".into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    let b: serde_json::Value =
        serde_json::from_str(last).map_err(|e| format!("bad browser output {last:?}: {e}"))?;
    println!("    browser: {b}");
    let ms = |key: &str| b[key].as_f64().unwrap_or(f64::NAN);
    let range = |key: &str| {
        let r = &b[key];
        format!(
            "{:.0}–{:.0}",
            r[0].as_f64().unwrap_or(f64::NAN),
            r[1].as_f64().unwrap_or(f64::NAN)
        )
    };
    let range_s = |key: &str| {
        let r = &b[key];
        format!(
            "{:.2}–{:.2}",
            r[0].as_f64().unwrap_or(f64::NAN) / 1000.0,
            r[1].as_f64().unwrap_or(f64::NAN) / 1000.0
        )
    };
    rows.push(Row {
        figure: "Cold start (cached shell) to the chat list rendered from IndexedDB, 1,000 chats",
        target: "≤ 300 ms",
        value: format!(
            "{:.0} ms (runs {})",
            ms("cold_start_ms"),
            range("cold_start_range")
        ),
        meets: Some(ms("cold_start_ms") <= 300.0),
    });
    rows.push(Row {
        figure: "Open a chat with 100,000 messages stored locally: its last 50 on screen",
        target: "≤ 50 ms",
        value: format!(
            "{:.0} ms (runs {})",
            ms("open_long_ms"),
            range("open_long_range")
        ),
        meets: Some(ms("open_long_ms") <= 50.0),
    });
    rows.push(Row {
        figure: "The same, clicked as soon as the chat list shows after a reload (while connecting)",
        target: "–",
        value: format!(
            "{:.0} ms (runs {})",
            ms("open_long_at_start_ms"),
            range("open_long_at_start_range")
        ),
        meets: None,
    });
    let articles = ms("most_articles_while_scrolling");
    rows.push(Row {
        figure: "Most message nodes in the DOM while scrolling back 10 pages of that chat",
        target: "≤ 200",
        value: format!(
            "{articles:.0} ({:.0} after the 10th page)",
            ms("articles_after_10_pages")
        ),
        meets: Some(articles <= 200.0),
    });
    rows.push(Row {
        figure: "Longest main-thread task while scrolling back 10 pages",
        target: "≤ 50 ms",
        value: format!("{:.0} ms", ms("longest_task_ms")),
        meets: Some(ms("longest_task_ms") <= 50.0),
    });
    rows.push(Row {
        figure: "10,000 messages arriving live, stored in IndexedDB (send to last stored)",
        target: "≤ 1 s",
        value: format!(
            "{:.2} s (runs {}; the sender's last ack after {:.2} s)",
            ms("store_10k_ms") / 1000.0,
            range_s("store_10k_range"),
            ms("store_10k_sender_ms") / 1000.0
        ),
        meets: Some(ms("store_10k_ms") <= 1000.0),
    });
    rows.push(Row {
        figure: "Inbox of 10,000 customer conversations: switching a view",
        target: "≤ 50 ms",
        value: format!(
            "{:.0} ms (runs {})",
            ms("inbox_switch_ms"),
            range("inbox_switch_range")
        ),
        meets: Some(ms("inbox_switch_ms") <= 50.0),
    });
    rows.push(Row {
        figure: "First sync of that account (all chats and messages into IndexedDB)",
        target: "–",
        value: format!("{:.1} s", ms("first_sync_ms") / 1000.0),
        meets: None,
    });
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} memory")
}

pub(crate) fn today() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn write_report(rows: &[Row], runs: usize, nofile: u64, projected_gib: f64) -> Result {
    let mut table = String::from("| figure | target | measured | meets |\n|---|---|---|---|\n");
    for r in rows {
        let meets = match r.meets {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        table += &format!(
            "| {} | {} | {} | {} |\n",
            r.figure, r.target, r.value, meets
        );
    }
    println!("\n{table}");
    let notes = format!(
        "{NOTES}- Idle connections on this machine: every process may hold at most {nofile} \
         open files (`ulimit -Hn`; raising it needs CAP_SYS_RESOURCE, which these machines do \
         not grant: `prlimit --nofile=300000:300000` answers \"Operation not permitted\", also \
         as root of a new user namespace, `unshare -Ur`), so one server here cannot hold \
         200,000 connections. At the measured \
         memory per connection, 200,000 would take {projected_gib:.1} GiB of server memory.\n"
    );
    let report = format!(
        "# Kontor benchmarks\n\n\
         Measured by `cargo xtask bench` on {date}, on {machine}. The server runs in release mode \
         with its SQLite store on local disk; the load generator (`bench/`, `kontor-bench`) is a \
         separate process on loopback. Figures are medians of {runs} runs, with the range of the \
         runs in brackets (one run for the idle-connection and size figures).\n\n\
         {table}{anchors}\n\
         ## Reproduce\n\n\
         ```sh\ncargo xtask bench                       # everything, writes this file\n\
         KONTOR_BENCH_RUNS=5 cargo xtask bench   # more runs\n\
         KONTOR_BENCH_IDLE=50000 cargo xtask bench  # fewer idle connections\n\
         cargo xtask anchors                     # beside ejabberd and Prosody: its section above\n```\n\n\
         ## Notes\n\n{notes}",
        date = today(),
        machine = machine(),
        notes = notes,
        anchors = crate::anchors::kept_section(&root().join("BENCHMARKS.md")),
    );
    std::fs::write(root().join("BENCHMARKS.md"), report).map_err(|e| e.to_string())?;
    println!("Wrote BENCHMARKS.md");
    Ok(())
}
