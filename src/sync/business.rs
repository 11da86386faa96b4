//! `/api/businesses/…`: profiles, settings, team, invites, labels, quick replies, statistics.
//! The server's side and every type are described in `docs/business-api.md`.

use super::SyncResult;
use super::http::{Req, fetch};
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
pub async fn create(token: &SessionToken, req: &CreateBusiness) -> SyncResult<BusinessProfile> {
    fetch(Req::post("/api/businesses").token(token).json(req)).await
}

/// A public profile (works logged out).
pub async fn profile(handle: &str) -> SyncResult<BusinessProfile> {
    fetch(Req::get(&url(handle, ""))).await
}

/// Changes the profile (owner, admin).
pub async fn update(
    token: &SessionToken,
    handle: &str,
    fields: &ProfileFields,
) -> SyncResult<BusinessProfile> {
    fetch(Req::put(&url(handle, "")).token(token).json(fields)).await
}

/// Uploads a logo (the file's bytes as they are).
pub async fn upload_logo(
    token: &SessionToken,
    handle: &str,
    file: &web_sys::Blob,
) -> SyncResult<BusinessProfile> {
    fetch(Req::put(&url(handle, "/logo")).token(token).blob(file)).await
}

/// Greeting, away and display settings (team).
pub async fn settings(token: &SessionToken, handle: &str) -> SyncResult<BusinessSettings> {
    fetch(Req::get(&url(handle, "/settings")).token(token)).await
}

/// Saves greeting, away and display settings (owner, admin).
pub async fn save_settings(
    token: &SessionToken,
    handle: &str,
    settings: &BusinessSettings,
) -> SyncResult<BusinessSettings> {
    fetch(
        Req::put(&url(handle, "/settings"))
            .token(token)
            .json(settings),
    )
    .await
}

/// The team.
pub async fn team(token: &SessionToken, handle: &str) -> SyncResult<Vec<TeamMember>> {
    fetch(Req::get(&url(handle, "/team")).token(token)).await
}

/// A single-use invite link.
pub async fn invite(token: &SessionToken, handle: &str, role: Role) -> SyncResult<Invite> {
    fetch(
        Req::post(&url(handle, "/invites"))
            .token(token)
            .json(&CreateInvite { role }),
    )
    .await
}

/// What an invite offers.
pub async fn invite_preview(token: &SessionToken, invite: &str) -> SyncResult<InvitePreview> {
    fetch(Req::get(&format!("/api/invites/{invite}")).token(token)).await
}

/// Joins the team an invite is for.
pub async fn accept_invite(token: &SessionToken, invite: &str) -> SyncResult<Membership> {
    fetch(Req::post(&format!("/api/invites/{invite}/accept")).token(token)).await
}

/// Removes a team member.
pub async fn remove_member(token: &SessionToken, handle: &str, user: UserId) -> SyncResult<()> {
    fetch(Req::delete(&url(handle, &format!("/members/{user}"))).token(token)).await
}

/// The business's labels.
pub async fn labels(token: &SessionToken, handle: &str) -> SyncResult<Vec<Label>> {
    fetch(Req::get(&url(handle, "/labels")).token(token)).await
}

/// Adds a label.
pub async fn add_label(token: &SessionToken, handle: &str, label: &NewLabel) -> SyncResult<Label> {
    fetch(Req::post(&url(handle, "/labels")).token(token).json(label)).await
}

/// Deletes a label.
pub async fn delete_label(token: &SessionToken, handle: &str, id: LabelId) -> SyncResult<()> {
    fetch(Req::delete(&url(handle, &format!("/labels/{id}"))).token(token)).await
}

/// The business's quick replies.
pub async fn quick_replies(token: &SessionToken, handle: &str) -> SyncResult<Vec<QuickReply>> {
    fetch(Req::get(&url(handle, "/quick-replies")).token(token)).await
}

/// Adds a quick reply.
pub async fn add_quick_reply(
    token: &SessionToken,
    handle: &str,
    reply: &NewQuickReply,
) -> SyncResult<QuickReply> {
    fetch(
        Req::post(&url(handle, "/quick-replies"))
            .token(token)
            .json(reply),
    )
    .await
}

/// Deletes a quick reply.
pub async fn delete_quick_reply(
    token: &SessionToken,
    handle: &str,
    id: QuickReplyId,
) -> SyncResult<()> {
    fetch(Req::delete(&url(handle, &format!("/quick-replies/{id}"))).token(token)).await
}

/// Per-day statistics for the last `days` days.
pub async fn stats(token: &SessionToken, handle: &str, days: u32) -> SyncResult<BusinessStats> {
    fetch(Req::get(&url(handle, &format!("/stats?days={days}"))).token(token)).await
}

/// The businesses the caller is on the team of.
pub async fn mine(token: &SessionToken) -> SyncResult<Vec<Membership>> {
    fetch(Req::get("/api/me/businesses").token(token)).await
}
