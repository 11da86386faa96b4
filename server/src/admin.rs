//! Operator commands (`kontor-server business verify <handle>`, `kontor-server user suspend
//! <handle>`, `kontor-server reports`), never reachable from the web.
//!
//! A running server listens on the Unix socket `{data-dir}/admin.sock`, readable only by the
//! account that runs it (mode 0600); the command sends one JSON line and reads one back, so the
//! change is applied by the server's own writer and customers see it at once. With no server
//! running, the command opens the database itself.

use crate::db::{Db, Report};
use crate::hub::Hub;
use crate::service::{ServiceError, accounts, business, safety};
use kontor_protocol::{Handle, ReportId};
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
    /// List reports: the open ones, or all.
    Reports {
        /// Closed reports too.
        all: bool,
    },
    /// Close a report that was dealt with.
    CloseReport {
        /// The report's id.
        id: String,
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
    let outcome = match request {
        AdminRequest::Verify { handle } => verify(db, hub, &handle, true).await,
        AdminRequest::Unverify { handle } => verify(db, hub, &handle, false).await,
        AdminRequest::Suspend { handle } => suspend(db, hub, &handle, true).await,
        AdminRequest::Unsuspend { handle } => suspend(db, hub, &handle, false).await,
        AdminRequest::Reports { all } => list_reports(db, all).await,
        AdminRequest::CloseReport { id } => close_report(db, &id).await,
    };
    match outcome {
        Ok(message) => AdminResponse { ok: true, message },
        Err(message) => AdminResponse { ok: false, message },
    }
}

/// What the operator is told: done, or why not.
type Outcome = Result<String, String>;

/// The handle the operator typed, or why it is none.
fn handle(raw: &str) -> Result<Handle, String> {
    Handle::parse(raw).map_err(|_| format!("\"{raw}\" is not a valid handle."))
}

/// A service's refusal in the operator's words; `missing` for "not found".
fn refusal(e: ServiceError, missing: impl FnOnce() -> String) -> String {
    match e {
        ServiceError::NotFound => missing(),
        e => e.to_string(),
    }
}

/// Grants or takes away the badge.
async fn verify(db: &Db, hub: &Arc<Hub>, raw: &str, verified: bool) -> Outcome {
    let handle = handle(raw)?;
    let shown = handle.clone();
    let hub = hub.clone();
    let profile = db
        .transact(move |tx| business::set_verified(tx, &hub, &handle, verified))
        .await
        .map_err(|e| refusal(e, || format!("No business has the handle @{shown}.")))?;
    Ok(format!(
        "{} (@{}) is {}.",
        profile.profile.name,
        profile.handle,
        if profile.verified {
            "verified"
        } else {
            "not verified"
        }
    ))
}

/// Suspends or reinstates a person.
async fn suspend(db: &Db, hub: &Arc<Hub>, raw: &str, suspended: bool) -> Outcome {
    let handle = handle(raw)?;
    let shown = handle.clone();
    accounts::set_suspended(db, hub, handle, suspended)
        .await
        .map_err(|e| refusal(e, || format!("No person has the handle @{shown}.")))?;
    Ok(if suspended {
        format!("@{shown} is suspended; their sessions have ended.")
    } else {
        format!("@{shown} may log in again.")
    })
}

/// The reports as text for the operator.
async fn list_reports(db: &Db, all: bool) -> Outcome {
    let reports = db
        .read(move |d| safety::reports(d, all))
        .await
        .map_err(|e: ServiceError| e.to_string())?;
    Ok(match (reports.is_empty(), all) {
        (true, true) => "No reports.".into(),
        (true, false) => "No open reports.".into(),
        _ => reports
            .iter()
            .map(report_text)
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// One report: who, whom, why, and the messages the reporter saw.
fn report_text(report: &Report) -> String {
    let party = |u: &kontor_protocol::User| {
        let kind = match &u.business {
            Some(b) if b.verified => ", verified business",
            Some(_) => ", business",
            None => "",
        };
        format!("@{} ({}{kind})", u.handle, u.display_name)
    };
    let mut out = format!(
        "Report {} — {}{}\n  by {} about {}{}{}\n  reason: {}\n  conversation: {}\n",
        report.id,
        time_text(report.created_at),
        report
            .closed_at
            .map(|at| format!(" (closed {})", time_text(at)))
            .unwrap_or_default(),
        party(&report.reporter),
        party(&report.reported),
        if report.reports_against > 1 {
            format!(", reported {} times", report.reports_against)
        } else {
            String::new()
        },
        if report.reported_suspended {
            ", suspended"
        } else {
            ""
        },
        report.reason.as_str(),
        report.conversation,
    );
    if report.reported.business.is_none() && !report.reported_suspended {
        out.push_str(&format!(
            "  to suspend: kontor-server user suspend {}\n",
            report.reported.handle
        ));
    }
    if report.closed_at.is_none() {
        out.push_str(&format!(
            "  when dealt with: kontor-server reports close {}\n",
            report.id
        ));
    }
    if !report.note.is_empty() {
        out.push_str(&format!("  note: {}\n", report.note));
    }
    if report.evidence.is_empty() {
        out.push_str("  (no messages)\n");
    }
    for line in &report.evidence {
        out.push_str(&format!(
            "  {} @{}: {}\n",
            time_text(line.at),
            line.from,
            line.text
        ));
    }
    out
}

/// A time as UTC, to the second.
fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// Closes a report.
async fn close_report(db: &Db, raw: &str) -> Outcome {
    let id = raw
        .parse::<ReportId>()
        .map_err(|_| format!("\"{raw}\" is not a report id."))?;
    db.transact(move |tx| safety::close_report(tx, id))
        .await
        .map_err(|e| refusal(e, || format!("No open report has the id {id}.")))?;
    Ok(format!("Report {id} is closed."))
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
