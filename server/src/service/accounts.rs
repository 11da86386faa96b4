//! Accounts and login sessions.

use super::{ServiceError, ServiceResult};
use crate::db::{AuthSession, Data, LoginRecord, Tx, now_ms};
use kontor_protocol::{Handle, User, UserId};
use uuid::Uuid;

/// Creates a person's account (the handle is shared with businesses).
pub fn register(
    tx: &mut Tx<'_>,
    handle: Handle,
    display_name: String,
    password_hash: &str,
) -> ServiceResult<User> {
    if tx.user_by_handle(&handle)?.is_some() {
        return Err(ServiceError::HandleTaken);
    }
    let user = User::person(UserId::new(), handle, display_name);
    tx.insert_person(&user, password_hash, now_ms())?;
    Ok(user)
}

/// Stores a new login session by the hash of its token; answers its id.
pub fn open_session(
    tx: &mut Tx<'_>,
    user: UserId,
    token_hash: [u8; 32],
    expires_at: i64,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    tx.insert_session(id, user, &token_hash, now_ms(), expires_at)?;
    Ok(id)
}

/// Revokes a session; answers its id if it was live (its connections are then closed).
pub fn revoke_session(tx: &mut Tx<'_>, token_hash: [u8; 32]) -> ServiceResult<Option<Uuid>> {
    Ok(tx.revoke_session(&token_hash, now_ms())?)
}

/// What login checks a password against (`None`: no such person).
pub fn login_record(data: &dyn Data, handle: &Handle) -> ServiceResult<Option<LoginRecord>> {
    Ok(data.login_record(handle)?)
}

/// The live session for a token hash: `None` when unknown, revoked or expired.
pub fn live_session(data: &dyn Data, token_hash: &[u8]) -> ServiceResult<Option<AuthSession>> {
    Ok(data
        .auth_session(token_hash)?
        .filter(|s| !s.revoked && s.expires_at > now_ms()))
}
