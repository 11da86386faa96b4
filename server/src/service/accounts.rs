//! Accounts and login sessions: who may register with what, password checks (argon2id on the
//! blocking pool, a few at a time), and sessions by the hash of their token.

use super::{ServiceError, ServiceResult, names};
use crate::auth;
use crate::db::{AuthSession, Data, Db, Tx, now_ms};
use crate::hub::Hub;
use crate::limits::Guards;
use kontor_protocol::api::{LoginRequest, RegisterRequest, SessionResponse};
use kontor_protocol::limits::{MAX_DISPLAY_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use kontor_protocol::{Handle, SessionToken, User, UserId};
use std::net::IpAddr;
use uuid::Uuid;

/// Checks a new password's length.
fn check_password(password: &str) -> ServiceResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ServiceError::InvalidPassword(format!(
            "A password has at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ServiceError::InvalidPassword(format!(
            "A password has at most {MAX_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

/// A display name, trimmed, or why it cannot be one.
fn check_display_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ServiceError::InvalidDisplayName(format!(
            "A display name has 1 to {MAX_DISPLAY_NAME_CHARS} characters."
        )));
    }
    Ok(name.to_owned())
}

/// "that is too short" → "That is too short."
fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Creates a person's account (the handle is shared with businesses) and logs it in. Counted
/// against the client's address before anything else is looked at.
pub async fn register(
    db: &Db,
    guards: &Guards,
    ip: IpAddr,
    req: RegisterRequest,
) -> ServiceResult<SessionResponse> {
    guards.registration(ip)?;
    let handle = Handle::parse(&req.handle)
        .map_err(|e| ServiceError::InvalidHandle(sentence(&e.to_string())))?;
    names::check_handle(handle.as_str())?;
    let display_name = check_display_name(&req.display_name)?;
    names::check_chars(&display_name, "The display name")?;
    check_password(&req.password)?;
    let password = req.password;
    let password_hash = guards
        .passwords
        .run(move || auth::hash_password(&password))
        .await?
        .map_err(|e| {
            tracing::error!("password hashing failed: {e}");
            crate::db::DbError::TaskFailed
        })?;
    let user = db
        .transact(move |tx| create_person(tx, handle, display_name, &password_hash))
        .await?;
    open_session(db, user).await
}

fn create_person(
    tx: &mut Tx<'_>,
    handle: Handle,
    display_name: String,
    password_hash: &str,
) -> ServiceResult<User> {
    if tx.user_by_handle(&handle)?.is_some() {
        return Err(ServiceError::HandleTaken);
    }
    // A person may not pass as a verified business, by name or by handle.
    names::not_posing(&**tx, &display_name, handle.as_str(), None)?;
    let user = User::person(UserId::new(), handle, display_name);
    tx.insert_person(&user, password_hash, now_ms())?;
    Ok(user)
}

/// Checks a handle and password; a wrong one never says which was wrong, and takes as long.
/// Attempts are counted per address and per account before the password is looked at (see
/// [`Guards::login_attempt`]).
pub async fn login(
    db: &Db,
    guards: &Guards,
    ip: IpAddr,
    req: LoginRequest,
) -> ServiceResult<SessionResponse> {
    let Ok(handle) = Handle::parse(&req.handle) else {
        return Err(ServiceError::WrongCredentials);
    };
    guards.login_attempt(ip, &handle)?;
    if req.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ServiceError::WrongCredentials);
    }
    let wanted = handle.clone();
    let record = db.read(move |d| d.login_record(&wanted)).await?;
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let password = req.password;
    let ok = guards
        .passwords
        .run(move || auth::verify_password(&password, stored.as_deref()))
        .await?;
    match record {
        // Said only to whoever knows the password.
        Some(record) if ok && record.suspended => Err(ServiceError::Suspended),
        Some(record) if ok => {
            guards.login_succeeded(ip, &handle);
            open_session(db, record.user).await
        }
        _ => Err(ServiceError::WrongCredentials),
    }
}

/// The operator suspends (or reinstates) a person: a suspended account cannot log in, and its
/// sessions and live connections end at once. `NotFound` when no person has the handle.
pub async fn set_suspended(
    db: &Db,
    hub: &Hub,
    handle: Handle,
    suspended: bool,
) -> ServiceResult<()> {
    let sessions = db
        .transact(move |tx| {
            let now = now_ms();
            let user = tx
                .set_suspended(&handle, suspended.then_some(now))?
                .ok_or(ServiceError::NotFound)?;
            let sessions = if suspended {
                tx.revoke_user_sessions(user, now)?
            } else {
                Vec::new()
            };
            Ok::<_, ServiceError>(sessions)
        })
        .await?;
    for session in sessions {
        hub.close_session(session, "account suspended");
    }
    Ok(())
}

/// Stores a new login session for `user` and answers its token (only its hash is stored).
async fn open_session(db: &Db, user: User) -> ServiceResult<SessionResponse> {
    let (token, token_hash) = auth::new_token();
    let expires_at = now_ms() + auth::SESSION_LIFETIME_MS;
    let user_id = user.id;
    let id = Uuid::now_v7();
    db.transact(move |tx| {
        Ok::<_, ServiceError>(tx.insert_session(id, user_id, &token_hash, now_ms(), expires_at)?)
    })
    .await?;
    Ok(SessionResponse { token, user })
}

/// Revokes a session and closes its live connections.
pub async fn logout(db: &Db, hub: &Hub, token: &SessionToken) -> ServiceResult<()> {
    let token_hash = auth::token_hash(token);
    let revoked = db
        .transact(move |tx| Ok::<_, ServiceError>(tx.revoke_session(&token_hash, now_ms())?))
        .await?;
    if let Some(session) = revoked {
        hub.close_session(session, "logged out");
    }
    Ok(())
}

/// Revokes every session of the user whose token this is ("log out everywhere") and closes
/// all their live connections.
pub async fn logout_everywhere(db: &Db, hub: &Hub, token: &SessionToken) -> ServiceResult<()> {
    let token_hash = auth::token_hash(token);
    let sessions = db
        .transact(move |tx| {
            let Some(session) = live_session(&**tx, &token_hash)? else {
                return Err(ServiceError::Unauthorized);
            };
            Ok(tx.revoke_user_sessions(session.user.id, now_ms())?)
        })
        .await?;
    for session in sessions {
        hub.close_session(session, "logged out everywhere");
    }
    Ok(())
}

/// Deletes sessions that have expired or were revoked: they can never be used again.
pub async fn purge_sessions(db: &Db) -> ServiceResult<usize> {
    db.transact(|tx| Ok::<_, ServiceError>(tx.purge_sessions(now_ms())?))
        .await
}

/// The live session for a token hash: `None` when unknown, revoked or expired.
pub fn live_session(data: &dyn Data, token_hash: &[u8]) -> ServiceResult<Option<AuthSession>> {
    Ok(data
        .auth_session(token_hash)?
        .filter(|s| !s.revoked && s.expires_at > now_ms()))
}
