//! `cargo xtask fuzz [SECONDS]`: runs every `cargo fuzz` target (`fuzz/fuzz_targets/`) for a
//! bounded time each and says what each found. Not part of CI: a finding is a crash input under
//! `fuzz/artifacts/<target>/`, reproduced with `cargo fuzz run <target> <file>`.

use crate::tools::{Result, exec, root, step};
use std::process::Command;

/// The targets, in `fuzz/Cargo.toml`.
const TARGETS: &[&str] = &["client_frame", "http_bodies", "logo"];

/// `cargo xtask fuzz [SECONDS]`
pub fn fuzz(args: &[String]) -> Result {
    let seconds: u64 = args
        .first()
        .map(|a| {
            a.parse()
                .map_err(|_| format!("not a number of seconds: {a}"))
        })
        .transpose()?
        .unwrap_or(60);
    ensure_cargo_fuzz()?;
    let mut found = Vec::new();
    for target in TARGETS {
        step(&format!("Fuzzing {target} for {seconds} s"));
        // cargo-fuzz passes -Z flags: RUSTC_BOOTSTRAP lets this stable toolchain take them.
        // No sanitizer: the targets are safe Rust, and ASan would need a nightly std.
        let ran = exec(
            Command::new("cargo")
                .current_dir(root().join("fuzz"))
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["fuzz", "run", target, "--sanitizer", "none", "--"])
                .arg(format!("-max_total_time={seconds}"))
                .arg("-rss_limit_mb=2048")
                .arg("-max_len=65536"),
        );
        if let Err(e) = ran {
            found.push(format!("{target}: {e}"));
        }
    }
    if found.is_empty() {
        println!("\nNo crashes: every target ran {seconds} s.");
        Ok(())
    } else {
        Err(format!(
            "crashes found (inputs under fuzz/artifacts/):\n{}",
            found.join("\n")
        ))
    }
}

fn ensure_cargo_fuzz() -> Result {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        step("Installing cargo-fuzz");
        exec(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}
