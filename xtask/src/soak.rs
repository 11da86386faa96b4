//! `cargo xtask soak`: the fault suite. Pairs of clients send numbered messages (a million by
//! default) while the server is killed with SIGKILL at random moments and restarted on the same
//! port and data; then every conversation is read back: acknowledged messages lost, duplicated,
//! out of order. Also a step of `cargo xtask bench`, whose table reports it.

use crate::bench::{LIFTED_LIMITS, RAISE_NOFILE, TempDir};
use crate::tools::{Result, root, step};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Shortest and longest time the server runs between two kills.
const UP_MS: (u64, u64) = (300, 2500);

/// Runs the fault suite with `messages` messages; answers the load generator's figures with the
/// number of kills added.
pub fn run(messages: usize) -> Result<serde_json::Value> {
    let data = TempDir::new("soak")?;
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start(port, &data)?;
    let mut load = Command::new("sh")
        .args([
            "-c",
            &format!(
                "{RAISE_NOFILE} && exec {} --url {url} soak --messages {messages}",
                root().join("target/release/kontor-bench").display()
            ),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (lines, said) = mpsc::channel();
    let out = BufReader::new(load.stdout.take().ok_or("no stdout")?);
    std::thread::spawn(move || {
        for line in out.lines().map_while(std::io::Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut killing = false;
    let mut kills = 0;
    let mut last = String::new();
    let mut next_kill = Instant::now();
    loop {
        match said.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                match line.as_str() {
                    "soak: sending" => {
                        killing = true;
                        next_kill = Instant::now() + up_time();
                    }
                    "soak: checking" => killing = false,
                    _ => {}
                }
                last = line;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if killing && Instant::now() >= next_kill {
            // SIGKILL: no shutdown code runs, like a crash or a power cut of the process.
            let _ = server.kill();
            let _ = server.wait();
            kills += 1;
            server = start(port, &data)?;
            next_kill = Instant::now() + up_time();
        }
    }
    let status = load.wait().map_err(|e| e.to_string())?;
    let _ = server.kill();
    let _ = server.wait();
    if !status.success() {
        return Err(format!("the soak's load generator failed ({status})"));
    }
    let mut result: serde_json::Value =
        serde_json::from_str(&last).map_err(|e| format!("bad soak output {last:?}: {e}"))?;
    result["kills"] = kills.into();
    Ok(result)
}

/// `cargo xtask soak [MESSAGES]`
pub fn soak(args: &[String]) -> Result {
    let messages = args
        .first()
        .map(|a| {
            a.parse()
                .map_err(|_| format!("not a number of messages: {a}"))
        })
        .transpose()?
        .unwrap_or(1_000_000);
    crate::build::build_release_server_and_bench()?;
    step(&format!(
        "Fault suite: {messages} messages while the server is killed and restarted"
    ));
    let result = run(messages)?;
    println!("{result}");
    if !clean(&result) {
        return Err("messages were lost, doubled or reordered".into());
    }
    Ok(())
}

/// Whether a fault-suite result lost, doubled and reordered nothing.
pub(crate) fn clean(result: &serde_json::Value) -> bool {
    ["acknowledged_lost", "duplicated", "out_of_order"]
        .iter()
        .all(|k| result[k].as_u64() == Some(0))
}

fn up_time() -> Duration {
    Duration::from_millis(fastrand::u64(UP_MS.0..=UP_MS.1))
}

/// A port nobody listens on now (the server restarts on it, so clients find it again).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Starts the release server on `port` with its data in `data`; returns once it listens.
fn start(port: u16, data: &TempDir) -> Result<Child> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut child = Command::new(root().join("target/release/kontor-server"))
            .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(&data.0)
            .arg("--static-dir")
            .arg(root().join("dist"))
            .env("RUST_LOG", "error")
            .envs(LIFTED_LIMITS.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        if line.starts_with("Kontor is running at ") {
            return Ok(child);
        }
        // The port may still be held by the killed process for a moment.
        let _ = child.kill();
        let _ = child.wait();
        if Instant::now() > deadline {
            return Err(format!("the server did not restart: {line:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
