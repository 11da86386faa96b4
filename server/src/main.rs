//! `kontor-server`: runs the Kontor server.

use clap::Parser;
use kontor_server::config::Config;
use tracing_subscriber::EnvFilter;

/// Kontor: the business messenger's server.
#[derive(Parser)]
#[command(name = "kontor-server", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    kontor_server::serve(cli.config).await
}
