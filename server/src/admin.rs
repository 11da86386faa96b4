//! Operator commands (`kontor-server business verify <handle>`, `kontor-server user suspend
//! <handle>`), never reachable from the web.
//!
//! A running server listens on the Unix socket `{data-dir}/admin.sock`, readable only by the
//! account that runs it (mode 0600); the command sends one JSON line and reads one back, so the
//! change is applied by the server's own writer and customers see it at once. With no server
//! running, the command opens the database itself.

use crate::db::Db;
use crate::hub::Hub;
use crate::service::{ServiceError, accounts, business};
use kontor_protocol::Handle;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// One operator request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AdminRequest {
    /// Grant the "Verified business" badge.
    Verify {
        /// The business's handle.
        handle: String,
    },
    /// Take the badge away.
    Unverify {
        /// The business's handle.
        handle: String,
    },
    /// Suspend a person's account: no more logins, every session ended at once.
    Suspend {
        /// The person's handle.
        handle: String,
    },
    /// Lift a suspension.
    Unsuspend {
        /// The person's handle.
        handle: String,
    },
}

/// The answer to an [`AdminRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminResponse {
    /// Whether it was done.
    pub ok: bool,
    /// What happened, for the operator.
    pub message: String,
}

/// Where the socket lives.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("admin.sock")
}

/// Applies a request to the store.
pub async fn apply(db: &Db, hub: &Arc<Hub>, request: AdminRequest) -> AdminResponse {
    let (raw, verified) = match request {
        AdminRequest::Verify { handle } => (handle, true),
        AdminRequest::Unverify { handle } => (handle, false),
        AdminRequest::Suspend { handle } => return suspend(db, hub, &handle, true).await,
        AdminRequest::Unsuspend { handle } => return suspend(db, hub, &handle, false).await,
    };
    let Ok(handle) = Handle::parse(&raw) else {
        return AdminResponse {
            ok: false,
            message: format!("\"{raw}\" is not a valid handle."),
        };
    };
    let shown = handle.clone();
    let hub = hub.clone();
    match db
        .transact(move |tx| business::set_verified(tx, &hub, &handle, verified))
        .await
    {
        Ok(profile) => AdminResponse {
            ok: true,
            message: format!(
                "{} (@{}) is {}.",
                profile.profile.name,
                profile.handle,
                if profile.verified {
                    "verified"
                } else {
                    "not verified"
                }
            ),
        },
        Err(ServiceError::NotFound) => AdminResponse {
            ok: false,
            message: format!("No business has the handle @{shown}."),
        },
        Err(e) => AdminResponse {
            ok: false,
            message: e.to_string(),
        },
    }
}

/// Suspends or reinstates a person.
async fn suspend(db: &Db, hub: &Arc<Hub>, raw: &str, suspended: bool) -> AdminResponse {
    let Ok(handle) = Handle::parse(raw) else {
        return AdminResponse {
            ok: false,
            message: format!("\"{raw}\" is not a valid handle."),
        };
    };
    let shown = handle.clone();
    match accounts::set_suspended(db, hub, handle, suspended).await {
        Ok(_) => AdminResponse {
            ok: true,
            message: if suspended {
                format!("@{shown} is suspended; their sessions have ended.")
            } else {
                format!("@{shown} may log in again.")
            },
        },
        Err(ServiceError::NotFound) => AdminResponse {
            ok: false,
            message: format!("No person has the handle @{shown}."),
        },
        Err(e) => AdminResponse {
            ok: false,
            message: e.to_string(),
        },
    }
}

/// Serves operator requests on the socket until the server stops.
pub fn listen(data_dir: &Path, db: Db, hub: Arc<Hub>) -> std::io::Result<()> {
    let path = socket_path(data_dir);
    // A socket file left by a crashed server would make bind fail.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (db, hub) = (db.clone(), hub.clone());
            tokio::spawn(async move {
                if let Err(e) = serve_one(stream, &db, &hub).await {
                    tracing::warn!("admin request failed: {e}");
                }
            });
        }
    });
    Ok(())
}

async fn serve_one(stream: UnixStream, db: &Db, hub: &Arc<Hub>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(64 * 1024))
        .read_line(&mut line)
        .await?;
    let response = match serde_json::from_str::<AdminRequest>(&line) {
        Ok(request) => {
            tracing::info!("operator: {request:?}");
            apply(db, hub, request).await
        }
        Err(e) => AdminResponse {
            ok: false,
            message: format!("Not an operator request: {e}"),
        },
    };
    let mut out = serde_json::to_string(&response).unwrap_or_default();
    out.push('\n');
    write.write_all(out.as_bytes()).await
}

/// Runs one operator request: through the running server's socket, or on the database directly
/// when no server is running.
pub async fn run(data_dir: &Path, request: AdminRequest) -> anyhow::Result<AdminResponse> {
    match UnixStream::connect(socket_path(data_dir)).await {
        Ok(stream) => {
            let (read, mut write) = stream.into_split();
            let mut line = serde_json::to_string(&request)?;
            line.push('\n');
            write.write_all(line.as_bytes()).await?;
            let mut answer = String::new();
            BufReader::new(read).read_line(&mut answer).await?;
            Ok(serde_json::from_str(&answer)?)
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            let file = data_dir.join("kontor.sqlite3");
            if !file.exists() {
                anyhow::bail!("no Kontor database in {}", data_dir.display());
            }
            let db = Db::open(&file)?;
            // Nobody is connected to a server that is not running: nothing to publish to.
            Ok(apply(&db, &Arc::new(Hub::new(1, 1, 1)), request).await)
        }
        Err(e) => Err(e.into()),
    }
}
