//! `cargo xtask`: the project's build, run, test and benchmark commands.
//!
//! Each command first installs what a fresh machine lacks (the wasm target, trunk, the matching
//! wasm-bindgen CLI, wasm-opt, Chromium and chromedriver, the e2e test's npm packages), showing
//! what it does, then does its job.

mod anchors;
mod bench;
mod build;
mod floods;
mod fuzz;
mod notes;
mod soak;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run  [--addr HOST:PORT] [--data-dir DIR]   build the app in release mode and start the server
  test                                      run every test: native, wasm (headless Chromium), e2e
  build                                     build the web app (release) and the server
  lint                                      cargo fmt --check and clippy (native and wasm32), warnings denied
  bench                                     benchmarks (release server, separate load generator); writes BENCHMARKS.md
  anchors                                   Kontor beside ejabberd and Prosody (../shared/anchors); writes its BENCHMARKS.md section
  soak [MESSAGES]                           fault suite: messages (1,000,000) while the server is killed and restarted
  fuzz [SECONDS]                            runs each cargo-fuzz target for SECONDS (60); not part of CI
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => build::run(&args[1..]),
        Some("test") => build::test(&args[1..]),
        Some("build") => build::build_all().map(|_| ()),
        Some("lint") => build::lint(),
        Some("bench") => bench::bench(&args[1..]),
        Some("anchors") => anchors::anchors(&args[1..]),
        Some("soak") => soak::soak(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
