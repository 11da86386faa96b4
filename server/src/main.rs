//! `kontor-server`: runs the Kontor server, or an operator command.

use clap::{Parser, Subcommand};
use kontor_server::admin::{self, AdminRequest};
use kontor_server::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Kontor: the business messenger's server.
#[derive(Parser)]
#[command(name = "kontor-server", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Operator commands for businesses (never available through the web).
    Business {
        #[command(subcommand)]
        action: BusinessAction,
        /// The server's data folder.
        #[arg(long, env = "KONTOR_DATA_DIR", default_value = "data", global = true)]
        data_dir: PathBuf,
    },
    /// Reports people filed about conversations: the open ones (`--all`: every one), or
    /// `reports close <id>` once dealt with.
    Reports {
        #[command(subcommand)]
        action: Option<ReportsAction>,
        /// Closed reports too.
        #[arg(long)]
        all: bool,
        /// The server's data folder.
        #[arg(long, env = "KONTOR_DATA_DIR", default_value = "data", global = true)]
        data_dir: PathBuf,
    },
    /// Operator commands for people's accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
        /// The server's data folder.
        #[arg(long, env = "KONTOR_DATA_DIR", default_value = "data", global = true)]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Suspend a person's account: they cannot log in, and every session ends at once.
    Suspend {
        /// The person's handle.
        handle: String,
    },
    /// Let a suspended person log in again.
    Unsuspend {
        /// The person's handle.
        handle: String,
    },
}

#[derive(Subcommand)]
enum ReportsAction {
    /// Close a report that was dealt with.
    Close {
        /// The report's id (as listed).
        id: String,
    },
}

#[derive(Subcommand)]
enum BusinessAction {
    /// Grant the "Verified business" badge (refused for look-alikes of verified businesses).
    Verify {
        /// The business's handle.
        handle: String,
    },
    /// Take the "Verified business" badge away.
    Unverify {
        /// The business's handle.
        handle: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        None => {
            kontor_server::serve(cli.config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(command) => {
            let (request, data_dir) = match command {
                Command::Business { action, data_dir } => (
                    match action {
                        BusinessAction::Verify { handle } => AdminRequest::Verify { handle },
                        BusinessAction::Unverify { handle } => AdminRequest::Unverify { handle },
                    },
                    data_dir,
                ),
                Command::Reports {
                    action,
                    all,
                    data_dir,
                } => (
                    match action {
                        Some(ReportsAction::Close { id }) => AdminRequest::CloseReport { id },
                        None => AdminRequest::Reports { all },
                    },
                    data_dir,
                ),
                Command::User { action, data_dir } => (
                    match action {
                        UserAction::Suspend { handle } => AdminRequest::Suspend { handle },
                        UserAction::Unsuspend { handle } => AdminRequest::Unsuspend { handle },
                    },
                    data_dir,
                ),
            };
            let response = admin::run(&data_dir, request).await?;
            if response.ok {
                println!("{}", response.message);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{}", response.message);
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
