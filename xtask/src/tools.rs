//! Installs the tools the build and the tests need, when they are missing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// trunk 0.22 needs a newer rustc than these machines have.
pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` version pinned in Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// Result of every xtask step.
pub type Result<T = ()> = std::result::Result<T, String>;

/// Prints a step heading.
pub fn step(what: &str) {
    println!("\n==> {what}");
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root with inherited output; fails on a non-zero exit.
pub fn exec(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The first line a tool prints for `--version`, or None if it is not installed.
fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Directory holding npm-installed binaries (wasm-opt), put first on PATH for trunk.
pub fn node_bin() -> PathBuf {
    root().join("node_modules").join(".bin")
}

/// PATH with the npm tools first.
pub fn path_with_tools() -> String {
    let mut paths = vec![node_bin()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the web build needs: the wasm target, trunk, wasm-bindgen, wasm-opt.
pub fn ensure_build_tools() -> Result {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed: {e}"))?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        step("Installing the wasm32-unknown-unknown target");
        exec(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !version_of("trunk").is_some_and(|v| v.contains(TRUNK_VERSION)) {
        step(&format!(
            "Installing trunk {TRUNK_VERSION} (compiles from source: about 10 minutes on 2 cores)"
        ));
        exec(Command::new("cargo").args([
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
        ]))?;
    }
    if !version_of("wasm-bindgen").is_some_and(|v| v.contains(WASM_BINDGEN_VERSION)) {
        step(&format!(
            "Installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (compiles from source: a few minutes)"
        ));
        // Not --locked: the registry mirror lacks one of its locked dependencies.
        exec(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ]))?;
    }
    ensure_npm_packages()
}

/// binaryen's wasm-opt, terser and playwright-core, pinned in package-lock.json.
pub fn ensure_npm_packages() -> Result {
    let lock = root().join("package-lock.json");
    let stamp = root().join("node_modules").join(".package-lock.json");
    let fresh = match (lock.metadata(), stamp.metadata()) {
        (Ok(l), Ok(s)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if !fresh {
        step("Installing npm packages (wasm-opt from binaryen, terser, playwright-core)");
        exec(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

/// Debian's Chromium and chromedriver, for browser tests.
pub fn ensure_browser() -> Result {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    step("Installing Chromium and chromedriver (Debian packages)");
    exec(Command::new("apt-get").args(["update", "-q"]))?;
    exec(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
