//! Businesses: who may change what, look-alike names, invites, and telling customers when a
//! business's name, logo or badge changed.

use super::{ServiceError, ServiceResult, names};
use crate::business::{logo, validate};
use crate::db::{Data, Db, Tx, now_ms};
use crate::hub::{Hub, Outbound, encode};
use crate::media::Media;
use kontor_protocol::business::{
    BusinessProfile, BusinessSettings, Invite, InvitePreview, Label, MAX_LABELS, MAX_LOGO_BYTES,
    MAX_QUICK_REPLIES, Membership, NewLabel, NewQuickReply, ProfileFields, QuickReply, Role,
    TeamMember,
};
use kontor_protocol::{BusinessId, Handle, LabelId, QuickReplyId, ServerFrame, Timestamp, UserId};
use std::sync::Arc;

/// How long an invite link works.
pub const INVITE_LIFETIME_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What a request needs of the caller's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any team member.
    Team,
    /// Owner or admin.
    Manager,
}

/// Looks a business up by handle and checks the caller's role: `NotFound` for an unknown
/// business, `Forbidden` for an outsider or a role too low.
pub fn require(
    data: &dyn Data,
    handle: &Handle,
    user: UserId,
    need: Need,
) -> ServiceResult<(BusinessId, Role)> {
    let business = data.business_id(handle)?.ok_or(ServiceError::NotFound)?;
    let role = data.role(business, user)?.ok_or(ServiceError::Forbidden(
        "You are not on this business's team.",
    ))?;
    if need == Need::Manager && !role.manages() {
        return Err(ServiceError::Forbidden(
            "Only the business's owner and admins can change this.",
        ));
    }
    Ok((business, role))
}

/// A business's public profile.
pub fn profile(data: &dyn Data, handle: &Handle) -> ServiceResult<Option<BusinessProfile>> {
    Ok(data.profile_by_handle(handle, now_ms())?)
}

/// The logo PNG.
pub fn logo(data: &dyn Data, handle: &Handle) -> ServiceResult<Option<Vec<u8>>> {
    Ok(data.logo(handle)?)
}

/// The businesses `user` is on the team of.
pub fn memberships(data: &dyn Data, user: UserId) -> ServiceResult<Vec<Membership>> {
    Ok(data.memberships(user, now_ms())?)
}

/// Greeting, away and display settings (the caller's role checked by [`require`]).
pub fn settings(data: &dyn Data, business: BusinessId) -> ServiceResult<BusinessSettings> {
    Ok(data.settings(business)?)
}

/// The team, owner first.
pub fn team(data: &dyn Data, business: BusinessId) -> ServiceResult<Vec<TeamMember>> {
    Ok(data.team(business)?)
}

/// Labels, by name.
pub fn labels(data: &dyn Data, business: BusinessId) -> ServiceResult<Vec<Label>> {
    Ok(data.labels(business)?)
}

/// Quick replies, by shortcut.
pub fn quick_replies(data: &dyn Data, business: BusinessId) -> ServiceResult<Vec<QuickReply>> {
    Ok(data.quick_replies(business)?)
}

fn profile_by_id(data: &dyn Data, id: BusinessId) -> ServiceResult<BusinessProfile> {
    data.profile_by_id(id, now_ms())?
        .ok_or(ServiceError::NotFound)
}

/// Creates a business owned by `owner`. The handle is shared with people.
pub fn create(
    tx: &mut Tx<'_>,
    owner: UserId,
    handle: &Handle,
    fields: &ProfileFields,
    max_owned: u32,
) -> ServiceResult<BusinessProfile> {
    let fields = &validate::profile(fields)?;
    names::check_handle(handle.as_str())?;
    names::check_chars(&fields.name, "The business name")?;
    if tx.user_by_handle(handle)?.is_some() {
        return Err(ServiceError::HandleTaken);
    }
    names::not_posing(&**tx, &fields.name, handle.as_str(), None)?;
    let now = now_ms();
    let owned = tx
        .memberships(owner, now)?
        .iter()
        .filter(|m| m.role == Role::Owner)
        .count();
    if owned >= max_owned as usize {
        return Err(ServiceError::Refused(format!(
            "You own {owned} businesses already, the most one account may have. \
             Ask the operator if you need more."
        )));
    }
    let id = BusinessId::new();
    tx.insert_business(id, handle, &fields.name, now)?;
    tx.write_profile(id, fields)?;
    tx.insert_team_member(id, owner, Role::Owner, now)?;
    profile_by_id(&**tx, id)
}

/// Changes the profile. A verified business that changes its name loses the badge: the operator
/// verified the old name, not whatever it is renamed to.
pub fn update_profile(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    id: BusinessId,
    fields: &ProfileFields,
) -> ServiceResult<BusinessProfile> {
    let fields = &validate::profile(fields)?;
    let before = profile_by_id(&**tx, id)?;
    if before.profile.name != fields.name {
        names::check_chars(&fields.name, "The business name")?;
        names::not_posing(&**tx, &fields.name, before.handle.as_str(), Some(id))?;
    }
    tx.write_profile(id, fields)?;
    if before.verified && before.profile.name != fields.name {
        tx.set_verified(id, false)?;
    }
    if before.profile.name != fields.name {
        touch_conversations(tx, hub, id)?;
    }
    profile_by_id(&**tx, id)
}

/// Decodes an uploaded logo among the server's picture work (a few at a time, like photos),
/// resizes it and stores it.
pub async fn set_logo(
    db: &Db,
    hub: &Arc<Hub>,
    media: &Media,
    id: BusinessId,
    bytes: Vec<u8>,
) -> ServiceResult<BusinessProfile> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ServiceError::TooLarge(format!(
            "A logo is at most {} MiB.",
            MAX_LOGO_BYTES / (1024 * 1024)
        )));
    }
    let png = media
        .images
        .run(move || logo::process(&bytes))
        .await?
        .map_err(|e| ServiceError::InvalidImage(e.to_string()))?;
    let hub = hub.clone();
    db.transact(move |tx| {
        tx.set_logo(id, &png)?;
        touch_conversations(tx, &hub, id)?;
        profile_by_id(&**tx, id)
    })
    .await
}

/// The operator's verify/unverify. Refuses to verify a business whose name imitates another
/// verified business, whichever came first.
pub fn set_verified(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    handle: &Handle,
    verified: bool,
) -> ServiceResult<BusinessProfile> {
    let profile = tx
        .profile_by_handle(handle, now_ms())?
        .ok_or(ServiceError::NotFound)?;
    if verified {
        for (other_handle, other_name) in tx.verified_names(Some(profile.id))? {
            if names::imitates(&profile.profile.name, &other_name)
                || names::imitates(profile.handle.as_str(), &other_handle)
            {
                return Err(ServiceError::Refused(format!(
                    "\"{}\" (@{}) looks like the verified business \"{other_name}\" \
                     (@{other_handle}); it cannot be verified.",
                    profile.profile.name, profile.handle
                )));
            }
        }
    }
    if profile.verified == verified {
        return Ok(profile);
    }
    tx.set_verified(profile.id, verified)?;
    touch_conversations(tx, hub, profile.id)?;
    profile_by_id(&**tx, profile.id)
}

/// Re-sends every conversation of the business to its customers, so their cached chat lists and
/// headers show the new name, logo or badge (live now, and in the next catch-up).
fn touch_conversations(tx: &mut Tx<'_>, hub: &Arc<Hub>, business: BusinessId) -> ServiceResult<()> {
    for id in tx.business_conversation_ids(business)? {
        let pos = tx.take_pos();
        tx.touch_member(id, business.into(), pos)?;
        let Some(conversation) = tx.conversation(id)? else {
            continue;
        };
        let audience = tx.audience(id)?;
        let people = audience.member_people();
        let frame = ServerFrame::Conversation { pos, conversation };
        let hub = hub.clone();
        tx.after_commit(move || {
            hub.publish(
                &people,
                Outbound::Event {
                    pos,
                    text: encode(&frame),
                },
                None,
            );
        });
    }
    Ok(())
}

/// Saves greeting, away and display settings.
pub fn save_settings(
    tx: &mut Tx<'_>,
    business: BusinessId,
    settings: &BusinessSettings,
) -> ServiceResult<BusinessSettings> {
    let settings = validate::settings(settings)?;
    tx.save_settings(business, &settings)?;
    Ok(tx.settings(business)?)
}

/// Stores a single-use invite (by the hash of its token).
pub fn create_invite(
    tx: &mut Tx<'_>,
    business: BusinessId,
    by: UserId,
    role: Role,
    token: String,
    token_hash: [u8; 32],
) -> ServiceResult<Invite> {
    if role == Role::Owner {
        return Err(ServiceError::Invalid(
            "Invite agents or admins; a business has one owner.",
        ));
    }
    let expires_at = now_ms() + INVITE_LIFETIME_MS;
    tx.insert_invite(&token_hash, business, role, by, expires_at)?;
    Ok(Invite {
        path: format!("/join/{token}"),
        token,
        role,
        expires_at: Timestamp(expires_at),
    })
}

/// The business and role of an invite that still works.
fn live_invite(data: &dyn Data, token_hash: &[u8; 32]) -> ServiceResult<(BusinessId, Role)> {
    match data.invite(token_hash)? {
        None => Err(ServiceError::NotFound),
        Some(i) if i.used || i.expires_at <= now_ms() => Err(ServiceError::Gone),
        Some(i) => Ok((i.business, i.role)),
    }
}

/// What an invite link offers, if it still works.
pub fn invite_preview(data: &dyn Data, token_hash: &[u8; 32]) -> ServiceResult<InvitePreview> {
    let (business, role) = live_invite(data, token_hash)?;
    let business = profile_by_id(data, business)?;
    Ok(InvitePreview { business, role })
}

/// Uses an invite: the caller joins the team.
pub fn accept_invite(
    tx: &mut Tx<'_>,
    token_hash: [u8; 32],
    user: UserId,
) -> ServiceResult<Membership> {
    let (business, role) = live_invite(&**tx, &token_hash)?;
    if let Some(existing) = tx.role(business, user)? {
        let business = profile_by_id(&**tx, business)?;
        return Ok(Membership {
            business,
            role: existing,
        });
    }
    tx.use_invite(&token_hash, user)?;
    tx.insert_team_member(business, user, role, now_ms())?;
    tx.forget_audiences();
    let business = profile_by_id(&**tx, business)?;
    Ok(Membership { business, role })
}

/// Removes a team member: their access ends with this commit, the conversations they held go
/// back to the unassigned view, and their open dashboards are told.
pub fn remove_member(
    tx: &mut Tx<'_>,
    hub: &Arc<Hub>,
    business: BusinessId,
    by: Role,
    user: UserId,
) -> ServiceResult<()> {
    let target = tx.role(business, user)?.ok_or(ServiceError::NotFound)?;
    if target == Role::Owner {
        return Err(ServiceError::Forbidden("The owner cannot be removed."));
    }
    if target == Role::Admin && by != Role::Owner {
        return Err(ServiceError::Forbidden(
            "Only the owner can remove an admin.",
        ));
    }
    tx.delete_team_member(business, user)?;
    tx.forget_audiences();
    let frame = ServerFrame::AccessRevoked { business };
    let hub = hub.clone();
    tx.after_commit(move || hub.publish(&[user], Outbound::Frame(encode(&frame)), None));
    Ok(())
}

/// Adds a label (at most [`MAX_LABELS`], names unique).
pub fn add_label(tx: &mut Tx<'_>, business: BusinessId, l: &NewLabel) -> ServiceResult<Label> {
    let l = &validate::label(l)?;
    if tx.count_labels(business)? >= MAX_LABELS {
        return Err(ServiceError::Invalid("A business has at most 50 labels."));
    }
    let label = Label {
        id: LabelId::new(),
        name: l.name.clone(),
        color: l.color.clone(),
    };
    if !tx.insert_label(business, &label)? {
        return Err(ServiceError::Invalid(
            "There is already a label with that name.",
        ));
    }
    Ok(label)
}

/// Deletes a label and takes it off every conversation.
pub fn delete_label(tx: &mut Tx<'_>, business: BusinessId, id: LabelId) -> ServiceResult<()> {
    if !tx.delete_label(business, id)? {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// Adds a quick reply (at most [`MAX_QUICK_REPLIES`], shortcuts unique).
pub fn add_quick_reply(
    tx: &mut Tx<'_>,
    business: BusinessId,
    q: &NewQuickReply,
) -> ServiceResult<QuickReply> {
    let q = &validate::quick_reply(q)?;
    if tx.count_quick_replies(business)? >= MAX_QUICK_REPLIES {
        return Err(ServiceError::Invalid(
            "A business has at most 200 quick replies.",
        ));
    }
    let reply = QuickReply {
        id: QuickReplyId::new(),
        shortcut: q.shortcut.clone(),
        text: q.text.clone(),
    };
    if !tx.insert_quick_reply(business, &reply)? {
        return Err(ServiceError::Invalid(
            "There is already a quick reply with that shortcut.",
        ));
    }
    Ok(reply)
}

/// Deletes a quick reply.
pub fn delete_quick_reply(
    tx: &mut Tx<'_>,
    business: BusinessId,
    id: QuickReplyId,
) -> ServiceResult<()> {
    if !tx.delete_quick_reply(business, id)? {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}
