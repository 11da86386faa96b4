//! `/api/blocks` and `/api/reports`: blocking accounts and reporting conversations.

use super::current_user::CurrentUser;
use super::{ApiFailure, JsonBody};
use crate::service::safety;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kontor_protocol::Handle;
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::safety::{BlockedAccount, NewReport, ReportFiled};

fn handle(raw: &str) -> Result<Handle, ApiFailure> {
    Handle::parse(raw).map_err(|_| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "Nobody has that handle.",
        )
    })
}

/// `GET /api/blocks`: who the caller blocked, newest first.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> Result<Json<Vec<BlockedAccount>>, ApiFailure> {
    let blocked = state.db.read(move |d| safety::blocks_of(d, me.id)).await?;
    Ok(Json(blocked))
}

/// `PUT /api/blocks/{handle}`: blocks a person or business (again: nothing changes).
pub async fn block(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    let handle = handle(&raw)?;
    let max = state.config.limits.blocks_per_account;
    state
        .db
        .transact(move |tx| safety::block(tx, me.id, &handle, max))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/blocks/{handle}`: unblocks (also when it was not blocked).
pub async fn unblock(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    let handle = handle(&raw)?;
    state
        .db
        .transact(move |tx| safety::unblock(tx, me.id, &handle))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/reports`: reports a conversation the caller is in (201 with the report's id).
pub async fn report(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    JsonBody(request): JsonBody<NewReport>,
) -> Result<(StatusCode, Json<ReportFiled>), ApiFailure> {
    state
        .guards
        .report(me.id)
        .map_err(crate::service::ServiceError::from)?;
    let max = state.config.limits.blocks_per_account;
    let id = state
        .db
        .transact(move |tx| safety::report(tx, me.id, request, max))
        .await?;
    Ok((StatusCode::CREATED, Json(ReportFiled { id })))
}
