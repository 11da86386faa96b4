//! Server settings, from flags or environment variables. Every limit is here, with its default;
//! the README's settings table lists them.

use ipnet::IpNet;
use std::net::SocketAddr;
use std::num::NonZeroU32;
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
    /// Secret that shows the server's figures (live connections) on `/api/health`; without it
    /// they are shown to nobody.
    #[arg(long, env = "KONTOR_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// Limits that keep one client from taking the server from the others.
    #[command(flatten)]
    pub limits: Limits,
}

/// Limits against floods and hoarding. Rates are token buckets: the figure is also the burst.
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client; without
    /// one, the connection's own address is the client's.
    #[arg(
        long = "trusted-proxy",
        env = "KONTOR_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = address_or_network
    )]
    pub trusted_proxies: Vec<IpNet>,
    /// Login attempts per client address per minute.
    #[arg(long, env = "KONTOR_LOGINS_PER_IP_PER_MINUTE", default_value = "10")]
    pub logins_per_ip_per_minute: NonZeroU32,
    /// Login attempts per account per hour, from addresses the account has not logged in from
    /// before (the owner's known addresses are never locked out by others' attempts).
    #[arg(long, env = "KONTOR_LOGINS_PER_ACCOUNT_PER_HOUR", default_value = "20")]
    pub logins_per_account_per_hour: NonZeroU32,
    /// Accounts registered per client address per hour.
    #[arg(
        long,
        env = "KONTOR_REGISTRATIONS_PER_IP_PER_HOUR",
        default_value = "10"
    )]
    pub registrations_per_ip_per_hour: NonZeroU32,
    /// Password checks waiting for a hashing slot; more are refused at once ("busy").
    #[arg(long, env = "KONTOR_PASSWORD_QUEUE", default_value = "32")]
    pub password_queue: usize,
    /// Live connections per account.
    #[arg(long, env = "KONTOR_CONNECTIONS_PER_USER", default_value = "16")]
    pub connections_per_user: usize,
    /// Live connections per client address (offices share one address).
    #[arg(long, env = "KONTOR_CONNECTIONS_PER_IP", default_value = "256")]
    pub connections_per_ip: usize,
    /// Messages an account may send per minute, over all its connections.
    #[arg(
        long,
        env = "KONTOR_MESSAGES_PER_USER_PER_MINUTE",
        default_value = "120"
    )]
    pub messages_per_user_per_minute: NonZeroU32,
    /// Frames of any kind (typing and activity too) a connection may send per minute.
    #[arg(
        long,
        env = "KONTOR_FRAMES_PER_CONNECTION_PER_MINUTE",
        default_value = "3000"
    )]
    pub frames_per_connection_per_minute: NonZeroU32,
    /// Businesses one account may create.
    #[arg(long, env = "KONTOR_BUSINESSES_PER_ACCOUNT", default_value = "5")]
    pub businesses_per_account: u32,
    /// Accounts one person may block.
    #[arg(long, env = "KONTOR_BLOCKS_PER_ACCOUNT", default_value = "5000")]
    pub blocks_per_account: u32,
    /// Reports one person may file per hour.
    #[arg(long, env = "KONTOR_REPORTS_PER_USER_PER_HOUR", default_value = "20")]
    pub reports_per_user_per_hour: NonZeroU32,
    /// Attachment bytes one account may store, in MiB.
    #[arg(long, env = "KONTOR_STORAGE_PER_ACCOUNT_MIB", default_value = "2048")]
    pub storage_per_account_mib: u64,
    /// Attachment bytes one business's conversations may hold, in MiB.
    #[arg(long, env = "KONTOR_STORAGE_PER_BUSINESS_MIB", default_value = "20480")]
    pub storage_per_business_mib: u64,
    /// Hours a finished upload may wait to be sent before it is deleted.
    #[arg(long, env = "KONTOR_UNSENT_UPLOAD_HOURS", default_value = "24")]
    pub unsent_upload_hours: u64,
    /// Seconds a client may take to accept what is sent to it before it is dropped.
    #[arg(long, env = "KONTOR_SLOW_CLIENT_SECS", default_value = "15")]
    pub slow_client_secs: u64,
    /// Bytes that may wait for a connection before it is dropped, in KiB.
    #[arg(long, env = "KONTOR_SLOW_CLIENT_KIB", default_value = "4096")]
    pub slow_client_kib: usize,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "KONTOR_HEADER_TIMEOUT_SECS", default_value = "10")]
    pub header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body (an upload chunk is 1 MiB: 120 s
    /// still lets a 70 kbit/s line through).
    #[arg(long, env = "KONTOR_BODY_TIMEOUT_SECS", default_value = "120")]
    pub body_timeout_secs: u64,
}

/// `10.0.0.2` or `10.0.0.0/8`.
fn address_or_network(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is neither an IP address nor a network like 10.0.0.0/8"))
}

impl Default for Limits {
    fn default() -> Self {
        let nz = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            trusted_proxies: Vec::new(),
            logins_per_ip_per_minute: nz(10),
            logins_per_account_per_hour: nz(20),
            registrations_per_ip_per_hour: nz(10),
            password_queue: 32,
            connections_per_user: 16,
            connections_per_ip: 256,
            messages_per_user_per_minute: nz(120),
            frames_per_connection_per_minute: nz(3000),
            businesses_per_account: 5,
            blocks_per_account: 5000,
            reports_per_user_per_hour: nz(20),
            storage_per_account_mib: 2048,
            storage_per_business_mib: 20480,
            unsent_upload_hours: 24,
            slow_client_secs: 15,
            slow_client_kib: 4096,
            header_timeout_secs: 10,
            body_timeout_secs: 120,
        }
    }
}

impl Config {
    /// Settings for tests: a free port and the given data folder.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Self {
            addr: "127.0.0.1:0".parse().expect("valid address"),
            data_dir,
            static_dir: PathBuf::from("dist"),
            allowed_origins: Vec::new(),
            operator_token: None,
            limits: Limits::default(),
        }
    }
}
