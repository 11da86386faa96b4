//! Register, log in, log out.

use super::{ApiFailure, JsonBody};
use crate::auth;
use crate::db::now_ms;
use crate::service::accounts;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kontor_protocol::api::{ApiErrorCode, LoginRequest, RegisterRequest, SessionResponse};
use kontor_protocol::limits::{MAX_DISPLAY_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use kontor_protocol::{Handle, SessionToken, User};

fn check_password(password: &str) -> Result<(), ApiFailure> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ApiFailure::bad(
            ApiErrorCode::InvalidPassword,
            format!("A password has at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ApiFailure::bad(
            ApiErrorCode::InvalidPassword,
            format!("A password has at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
    Ok(())
}

fn check_display_name(name: &str) -> Result<String, ApiFailure> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiFailure::bad(
            ApiErrorCode::InvalidDisplayName,
            format!("A display name has 1 to {MAX_DISPLAY_NAME_CHARS} characters."),
        ));
    }
    Ok(name.to_owned())
}

/// Runs argon2 on the blocking pool, at most a few at a time.
async fn with_password_slot<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiFailure> {
    let _permit = state
        .password_slots
        .acquire()
        .await
        .map_err(ApiFailure::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiFailure::internal)
}

async fn open_session(state: &AppState, user: User) -> Result<SessionResponse, ApiFailure> {
    let (token, token_hash) = auth::new_token();
    let expires_at = now_ms() + auth::SESSION_LIFETIME_MS;
    let user_id = user.id;
    state
        .db
        .transact(move |tx| accounts::open_session(tx, user_id, token_hash, expires_at))
        .await?;
    Ok(SessionResponse { token, user })
}

/// `POST /api/register`: creates the account and logs it in.
pub async fn register(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiFailure> {
    let handle = Handle::parse(&req.handle)
        .map_err(|e| ApiFailure::bad(ApiErrorCode::InvalidHandle, capitalise(&e.to_string())))?;
    let display_name = check_display_name(&req.display_name)?;
    check_password(&req.password)?;
    let password = req.password;
    let password_hash = with_password_slot(&state, move || auth::hash_password(&password))
        .await?
        .map_err(ApiFailure::internal)?;
    let user = state
        .db
        .transact(move |tx| accounts::register(tx, handle, display_name, &password_hash))
        .await?;
    Ok((StatusCode::CREATED, Json(open_session(&state, user).await?)))
}

/// `POST /api/login`
pub async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiFailure> {
    let wrong = || {
        ApiFailure::new(
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::WrongCredentials,
            "Wrong handle or password.",
        )
    };
    if req.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(wrong());
    }
    let record = match Handle::parse(&req.handle) {
        Ok(handle) => {
            state
                .db
                .read(move |d| accounts::login_record(d, &handle))
                .await?
        }
        Err(_) => None,
    };
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let password = req.password;
    let ok = with_password_slot(&state, move || {
        auth::verify_password(&password, stored.as_deref())
    })
    .await?;
    match record {
        Some(record) if ok => Ok(Json(open_session(&state, record.user).await?)),
        _ => Err(wrong()),
    }
}

/// `POST /api/logout` with `Authorization: Bearer <token>`: revokes the session and closes its
/// live connections.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiFailure> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| SessionToken(t.trim().to_owned()))
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::UNAUTHORIZED,
                ApiErrorCode::Unauthorized,
                "Not logged in.",
            )
        })?;
    let token_hash = auth::token_hash(&token);
    let revoked = state
        .db
        .transact(move |tx| accounts::revoke_session(tx, token_hash))
        .await
        .map_err(ApiFailure::from)?;
    if let Some(session) = revoked {
        state.hub.close_session(session, "logged out");
    }
    Ok(StatusCode::NO_CONTENT)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}
