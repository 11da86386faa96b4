//! Server settings, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How the server runs.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "KONTOR_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder for the SQLite database (created if missing).
    #[arg(long, env = "KONTOR_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Folder with the built web app (trunk's `dist`).
    #[arg(long, env = "KONTOR_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,
    /// Extra origins allowed to open WebSockets (the server's own origin always is).
    #[arg(
        long = "allowed-origin",
        env = "KONTOR_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
}

impl Config {
    /// Settings for tests: a free port and the given data folder.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Self {
            addr: "127.0.0.1:0".parse().expect("valid address"),
            data_dir,
            static_dir: PathBuf::from("dist"),
            allowed_origins: Vec::new(),
        }
    }
}
