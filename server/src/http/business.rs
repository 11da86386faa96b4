//! `/api/businesses/…`, `/api/invites/…` and `/api/me/businesses`: profiles, logos, QR codes,
//! settings, team, invites, labels, quick replies and statistics. Docs: `docs/business-api.md`.

use super::current_user::CurrentUser;
use super::{ApiFailure, JsonBody};
use crate::auth;
use crate::service::business::{self as store, Need};
use crate::service::inbox;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, BusinessStats, CreateBusiness, CreateInvite, Invite,
    InvitePreview, Label, Membership, NewLabel, NewQuickReply, ProfileFields, QuickReply,
    TeamMember,
};
use kontor_protocol::{BusinessId, Handle, LabelId, QuickReplyId, SessionToken, UserId};
use serde::Deserialize;

fn handle(raw: &str) -> Result<Handle, ApiFailure> {
    Handle::parse(raw).map_err(|_| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "No business has that handle.",
        )
    })
}

/// Looks the business up and checks the caller's role.
async fn require(
    state: &AppState,
    raw: &str,
    user: UserId,
    need: Need,
) -> Result<(BusinessId, kontor_protocol::business::Role), ApiFailure> {
    let handle = handle(raw)?;
    Ok(state
        .db
        .read(move |d| store::require(d, &handle, user, need))
        .await?)
}

/// `POST /api/businesses`
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    JsonBody(req): JsonBody<CreateBusiness>,
) -> Result<(StatusCode, Json<BusinessProfile>), ApiFailure> {
    let handle = Handle::parse(&req.handle).map_err(|e| {
        ApiFailure::bad(
            ApiErrorCode::InvalidHandle,
            format!("That handle cannot be used: {e}."),
        )
    })?;
    let max_owned = state.config.limits.businesses_per_account;
    let profile = state
        .db
        .transact(move |tx| store::create(tx, user.id, &handle, &req.profile, max_owned))
        .await?;
    Ok((StatusCode::CREATED, Json(profile)))
}

/// `GET /api/businesses/{handle}`: public, also logged out.
pub async fn profile(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<BusinessProfile>, ApiFailure> {
    let handle = handle(&raw)?;
    let found = state.db.read(move |d| store::profile(d, &handle)).await?;
    found.map(Json).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "No business has that handle.",
        )
    })
}

/// `PUT /api/businesses/{handle}`
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    JsonBody(fields): JsonBody<ProfileFields>,
) -> Result<Json<BusinessProfile>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    let hub = state.hub.clone();
    let profile = state
        .db
        .transact(move |tx| store::update_profile(tx, &hub, business, &fields))
        .await?;
    Ok(Json(profile))
}

/// `PUT /api/businesses/{handle}/logo` with the image bytes as the body.
pub async fn upload_logo(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Result<Json<BusinessProfile>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    let profile = store::set_logo(
        &state.db,
        &state.hub,
        &state.media,
        business,
        bytes.to_vec(),
    )
    .await?;
    Ok(Json(profile))
}

/// `GET /api/businesses/{handle}/logo`
pub async fn get_logo(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiFailure> {
    let handle = handle(&raw)?;
    let png = state.db.read(move |d| store::logo(d, &handle)).await?;
    let png = png.ok_or_else(|| {
        ApiFailure::new(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "This business has no logo.",
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            // The address carries the version (`?v=N`), so a new logo is a new address.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        png,
    )
        .into_response())
}

/// The short link to a profile, on the address the request came to.
fn short_link(headers: &HeaderMap, handle: &Handle) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/@{handle}")
}

/// `GET /api/businesses/{handle}/qr.svg`: a QR code of the short link.
pub async fn qr(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let handle = handle(&raw)?;
    let lookup = handle.clone();
    let exists = state
        .db
        .read(move |d| store::profile(d, &lookup))
        .await?
        .is_some();
    if !exists {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            "No business has that handle.",
        ));
    }
    let link = short_link(&headers, &handle);
    let code = qrcode::QrCode::new(link.as_bytes()).map_err(ApiFailure::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        svg,
    )
        .into_response())
}

/// `GET /api/businesses/{handle}/settings`
pub async fn get_settings(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<BusinessSettings>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Team).await?;
    Ok(Json(
        state.db.read(move |d| store::settings(d, business)).await?,
    ))
}

/// `PUT /api/businesses/{handle}/settings`
pub async fn put_settings(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    JsonBody(settings): JsonBody<BusinessSettings>,
) -> Result<Json<BusinessSettings>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    Ok(Json(
        state
            .db
            .transact(move |tx| store::save_settings(tx, business, &settings))
            .await?,
    ))
}

/// `GET /api/businesses/{handle}/team`
pub async fn team(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<Vec<TeamMember>>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Team).await?;
    Ok(Json(
        state.db.read(move |d| store::team(d, business)).await?,
    ))
}

/// `POST /api/businesses/{handle}/invites`
pub async fn invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    JsonBody(req): JsonBody<CreateInvite>,
) -> Result<Json<Invite>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    let (token, token_hash) = auth::new_token();
    Ok(Json(
        state
            .db
            .transact(move |tx| {
                store::create_invite(tx, business, user.id, req.role, token.0, token_hash)
            })
            .await?,
    ))
}

/// `GET /api/invites/{token}`
pub async fn invite_preview(
    State(state): State<AppState>,
    CurrentUser(_): CurrentUser,
    Path(token): Path<String>,
) -> Result<Json<InvitePreview>, ApiFailure> {
    let hash = auth::token_hash(&SessionToken(token));
    Ok(Json(
        state
            .db
            .read(move |d| store::invite_preview(d, &hash))
            .await?,
    ))
}

/// `POST /api/invites/{token}/accept`
pub async fn accept_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(token): Path<String>,
) -> Result<Json<Membership>, ApiFailure> {
    let hash = auth::token_hash(&SessionToken(token));
    Ok(Json(
        state
            .db
            .transact(move |tx| store::accept_invite(tx, hash, user.id))
            .await?,
    ))
}

/// `DELETE /api/businesses/{handle}/members/{user_id}`
pub async fn remove_member(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((raw, member)): Path<(String, UserId)>,
) -> Result<StatusCode, ApiFailure> {
    let (business, role) = require(&state, &raw, user.id, Need::Manager).await?;
    let hub = state.hub.clone();
    state
        .db
        .transact(move |tx| store::remove_member(tx, &hub, business, role, member))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/businesses/{handle}/labels`
pub async fn labels(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<Vec<Label>>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Team).await?;
    Ok(Json(
        state.db.read(move |d| store::labels(d, business)).await?,
    ))
}

/// `POST /api/businesses/{handle}/labels`
pub async fn add_label(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    JsonBody(label): JsonBody<NewLabel>,
) -> Result<(StatusCode, Json<Label>), ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    let label = state
        .db
        .transact(move |tx| store::add_label(tx, business, &label))
        .await?;
    Ok((StatusCode::CREATED, Json(label)))
}

/// `DELETE /api/businesses/{handle}/labels/{id}`
pub async fn delete_label(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((raw, id)): Path<(String, LabelId)>,
) -> Result<StatusCode, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    state
        .db
        .transact(move |tx| store::delete_label(tx, business, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/businesses/{handle}/quick-replies`
pub async fn quick_replies(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<Vec<QuickReply>>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Team).await?;
    Ok(Json(
        state
            .db
            .read(move |d| store::quick_replies(d, business))
            .await?,
    ))
}

/// `POST /api/businesses/{handle}/quick-replies`
pub async fn add_quick_reply(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    JsonBody(reply): JsonBody<NewQuickReply>,
) -> Result<(StatusCode, Json<QuickReply>), ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    let reply = state
        .db
        .transact(move |tx| store::add_quick_reply(tx, business, &reply))
        .await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

/// `DELETE /api/businesses/{handle}/quick-replies/{id}`
pub async fn delete_quick_reply(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((raw, id)): Path<(String, QuickReplyId)>,
) -> Result<StatusCode, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Manager).await?;
    state
        .db
        .transact(move |tx| store::delete_quick_reply(tx, business, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the statistics route.
#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    /// How many days back (1–90, default 14).
    pub days: Option<u32>,
}

/// `GET /api/businesses/{handle}/stats?days=N`
pub async fn stats(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<BusinessStats>, ApiFailure> {
    let (business, _) = require(&state, &raw, user.id, Need::Team).await?;
    let days = q.days.unwrap_or(14).clamp(1, 90);
    Ok(Json(
        state
            .db
            .read(move |d| inbox::stats(d, business, days))
            .await?,
    ))
}

/// `GET /api/me/businesses`
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<Membership>>, ApiFailure> {
    Ok(Json(
        state
            .db
            .read(move |d| store::memberships(d, user.id))
            .await?,
    ))
}
