//! The commands: build, run, test.

use crate::tools::{self, Result, exec, root, step};
use std::path::PathBuf;
use std::process::Command;

/// Builds the web app into `dist/` with trunk (release: size profile plus wasm-opt), one build
/// per page: the business dashboard and the messenger each into their own folder, then the
/// public pages into `dist/`, whose post-build hook adds the other two (tools/post_build.mjs).
///
/// The pages' `data-wasm-opt` settings run `-Os`, `--flatten --rereloop`, `-Os` again: larger
/// raw than `-Oz` but smaller once brotli-compressed, which is what travels (messenger: 339.8 KB
/// against 347.1 KB, measured 2026-11-29; see BENCHMARKS.md).
pub fn build_web() -> Result {
    tools::ensure_build_tools()?;
    let target = root().join("target");
    let (business_dist, chats_dist) = (target.join("business-dist"), target.join("chats-dist"));
    for (what, page, bundle, dist) in [
        (
            "the business dashboard",
            "business.html",
            "business",
            &business_dist,
        ),
        ("the messenger", "chats.html", "chats", &chats_dist),
    ] {
        step(&format!("Building {what} (trunk, release)"));
        exec(
            Command::new("trunk")
                .args(["build", "--release", "--offline=true", page, "--dist"])
                .arg(dist)
                .env("KONTOR_BUNDLE", bundle)
                .env("PATH", tools::path_with_tools()),
        )?;
    }
    step("Building the public pages (trunk, release)");
    exec(
        Command::new("trunk")
            .args(["build", "--release", "--offline=true", "index.html"])
            .env("KONTOR_BUSINESS_DIST", &business_dist)
            .env("KONTOR_CHATS_DIST", &chats_dist)
            .env("PATH", tools::path_with_tools()),
    )
}

/// Builds the server in release mode; returns the binary's path.
pub fn build_server() -> Result<PathBuf> {
    step("Building the server (release)");
    exec(Command::new("cargo").args(["build", "--release", "-p", "kontor-server"]))?;
    Ok(root().join("target").join("release").join("kontor-server"))
}

/// `cargo xtask build`
pub fn build_all() -> Result<PathBuf> {
    build_web()?;
    build_server()
}

/// `cargo xtask run`: builds everything, then runs the server in the foreground.
pub fn run(args: &[String]) -> Result {
    let server = build_all()?;
    step("Starting Kontor (Ctrl-C stops it)");
    let mut cmd = Command::new(server);
    cmd.arg("--static-dir").arg(root().join("dist"));
    if !args.iter().any(|a| a == "--data-dir") {
        cmd.arg("--data-dir").arg(root().join("data"));
    }
    cmd.args(args);
    exec(&mut cmd)
}

/// `cargo xtask test`: every test, browser ones included.
pub fn test(_args: &[String]) -> Result {
    tools::ensure_browser()?;
    build_web()?;

    step("Native tests: protocol, server integration, xtask");
    exec(Command::new("cargo").args(["test", "--workspace", "--exclude", "kontor-web"]))?;

    step(
        "Browser tests: IndexedDB store, outbox and JSON codec in headless Chromium (wasm-bindgen-test)",
    );
    exec(
        Command::new("cargo")
            .args([
                "test",
                "-p",
                "kontor-web",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;

    step("End-to-end tests: real server, real browser (Playwright + Chromium)");
    exec(Command::new("cargo").args(["build", "-p", "kontor-server"]))?;
    exec(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env(
                "KONTOR_SERVER_BIN",
                root().join("target").join("debug").join("kontor-server"),
            )
            .env("KONTOR_DIST", root().join("dist")),
    )
}

/// `cargo xtask lint`: formatting and clippy with warnings denied, for the server side and for the
/// web client on its real target.
pub fn lint() -> Result {
    tools::ensure_build_tools()?;
    step("cargo fmt --check");
    exec(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))?;
    step("clippy: protocol, server, xtask");
    exec(Command::new("cargo").args([
        "clippy",
        "--workspace",
        "--exclude",
        "kontor-web",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("clippy: web client (wasm32)");
    exec(Command::new("cargo").args([
        "clippy",
        "-p",
        "kontor-web",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The release server and the load generator, for benchmarks and the fault suite.
pub fn build_release_server_and_bench() -> Result {
    step("Building the server and the load generator (release)");
    exec(Command::new("cargo").args([
        "build",
        "--release",
        "-p",
        "kontor-server",
        "-p",
        "kontor-bench",
    ]))
}
