//! `/api/businesses/…`: profiles, settings, team, invites, labels, quick replies, statistics.
//! The server's side and every type are described in `docs/business-api.md`.

use super::{ApiFailure, authed, fetch_empty, fetch_json, with_json as json};
use gloo_net::http::Request;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, BusinessStats, CreateBusiness, CreateInvite, Invite,
    InvitePreview, Label, Membership, NewLabel, NewQuickReply, ProfileFields, QuickReply, Role,
    TeamMember,
};
use kontor_protocol::{LabelId, QuickReplyId, SessionToken, UserId};

fn url(handle: &str, rest: &str) -> String {
    format!("/api/businesses/{handle}{rest}")
}

/// Creates a business owned by the caller.
pub async fn create(
    token: &SessionToken,
    req: &CreateBusiness,
) -> Result<BusinessProfile, ApiFailure> {
    fetch_json(json(authed(Request::post("/api/businesses"), token), req)?).await
}

/// A public profile (works logged out).
pub async fn profile(handle: &str) -> Result<BusinessProfile, ApiFailure> {
    fetch_json(
        Request::get(&url(handle, ""))
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Changes the profile (owner, admin).
pub async fn update(
    token: &SessionToken,
    handle: &str,
    fields: &ProfileFields,
) -> Result<BusinessProfile, ApiFailure> {
    fetch_json(json(authed(Request::put(&url(handle, "")), token), fields)?).await
}

/// Uploads a logo (the file's bytes as they are).
pub async fn upload_logo(
    token: &SessionToken,
    handle: &str,
    file: &web_sys::Blob,
) -> Result<BusinessProfile, ApiFailure> {
    let req = authed(Request::put(&url(handle, "/logo")), token)
        .body(file.clone())
        .map_err(|_| ApiFailure::Network)?;
    fetch_json(req).await
}

/// Greeting, away and display settings (team).
pub async fn settings(token: &SessionToken, handle: &str) -> Result<BusinessSettings, ApiFailure> {
    fetch_json(
        authed(Request::get(&url(handle, "/settings")), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Saves greeting, away and display settings (owner, admin).
pub async fn save_settings(
    token: &SessionToken,
    handle: &str,
    settings: &BusinessSettings,
) -> Result<BusinessSettings, ApiFailure> {
    fetch_json(json(
        authed(Request::put(&url(handle, "/settings")), token),
        settings,
    )?)
    .await
}

/// The team.
pub async fn team(token: &SessionToken, handle: &str) -> Result<Vec<TeamMember>, ApiFailure> {
    fetch_json(
        authed(Request::get(&url(handle, "/team")), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// A single-use invite link.
pub async fn invite(token: &SessionToken, handle: &str, role: Role) -> Result<Invite, ApiFailure> {
    fetch_json(json(
        authed(Request::post(&url(handle, "/invites")), token),
        &CreateInvite { role },
    )?)
    .await
}

/// What an invite offers.
pub async fn invite_preview(
    token: &SessionToken,
    invite: &str,
) -> Result<InvitePreview, ApiFailure> {
    fetch_json(
        authed(Request::get(&format!("/api/invites/{invite}")), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Joins the team an invite is for.
pub async fn accept_invite(token: &SessionToken, invite: &str) -> Result<Membership, ApiFailure> {
    fetch_json(
        authed(
            Request::post(&format!("/api/invites/{invite}/accept")),
            token,
        )
        .build()
        .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Removes a team member.
pub async fn remove_member(
    token: &SessionToken,
    handle: &str,
    user: UserId,
) -> Result<(), ApiFailure> {
    fetch_empty(
        authed(
            Request::delete(&url(handle, &format!("/members/{user}"))),
            token,
        )
        .build()
        .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// The business's labels.
pub async fn labels(token: &SessionToken, handle: &str) -> Result<Vec<Label>, ApiFailure> {
    fetch_json(
        authed(Request::get(&url(handle, "/labels")), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Adds a label.
pub async fn add_label(
    token: &SessionToken,
    handle: &str,
    label: &NewLabel,
) -> Result<Label, ApiFailure> {
    fetch_json(json(
        authed(Request::post(&url(handle, "/labels")), token),
        label,
    )?)
    .await
}

/// Deletes a label.
pub async fn delete_label(
    token: &SessionToken,
    handle: &str,
    id: LabelId,
) -> Result<(), ApiFailure> {
    fetch_empty(
        authed(
            Request::delete(&url(handle, &format!("/labels/{id}"))),
            token,
        )
        .build()
        .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// The business's quick replies.
pub async fn quick_replies(
    token: &SessionToken,
    handle: &str,
) -> Result<Vec<QuickReply>, ApiFailure> {
    fetch_json(
        authed(Request::get(&url(handle, "/quick-replies")), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Adds a quick reply.
pub async fn add_quick_reply(
    token: &SessionToken,
    handle: &str,
    reply: &NewQuickReply,
) -> Result<QuickReply, ApiFailure> {
    fetch_json(json(
        authed(Request::post(&url(handle, "/quick-replies")), token),
        reply,
    )?)
    .await
}

/// Deletes a quick reply.
pub async fn delete_quick_reply(
    token: &SessionToken,
    handle: &str,
    id: QuickReplyId,
) -> Result<(), ApiFailure> {
    fetch_empty(
        authed(
            Request::delete(&url(handle, &format!("/quick-replies/{id}"))),
            token,
        )
        .build()
        .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// Per-day statistics for the last `days` days.
pub async fn stats(
    token: &SessionToken,
    handle: &str,
    days: u32,
) -> Result<BusinessStats, ApiFailure> {
    fetch_json(
        authed(
            Request::get(&url(handle, &format!("/stats?days={days}"))),
            token,
        )
        .build()
        .map_err(|_| ApiFailure::Network)?,
    )
    .await
}

/// The businesses the caller is on the team of.
pub async fn mine(token: &SessionToken) -> Result<Vec<Membership>, ApiFailure> {
    fetch_json(
        authed(Request::get("/api/me/businesses"), token)
            .build()
            .map_err(|_| ApiFailure::Network)?,
    )
    .await
}
