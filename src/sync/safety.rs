//! `/api/blocks` and `/api/reports`: blocking accounts and reporting conversations.

use super::SyncResult;
use super::http::{Req, fetch};
use kontor_protocol::SessionToken;
use kontor_protocol::safety::{BlockedAccount, NewReport, ReportFiled};

/// Who this account blocked, newest first.
pub async fn blocked(token: &SessionToken) -> SyncResult<Vec<BlockedAccount>> {
    fetch(Req::get("/api/blocks").token(token)).await
}

/// Blocks a person or business by handle.
pub async fn block(token: &SessionToken, handle: &str) -> SyncResult<()> {
    fetch(Req::put(&format!("/api/blocks/{handle}")).token(token)).await
}

/// Unblocks a person or business by handle.
pub async fn unblock(token: &SessionToken, handle: &str) -> SyncResult<()> {
    fetch(Req::delete(&format!("/api/blocks/{handle}")).token(token)).await
}

/// Reports a conversation to the server's operator (and blocks the other party when asked).
pub async fn report(token: &SessionToken, report: &NewReport) -> SyncResult<ReportFiled> {
    fetch(Req::post("/api/reports").token(token).json(report)).await
}
