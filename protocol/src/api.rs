//! The HTTP account API (`/api/…`): JSON bodies in and out.

use crate::{SessionToken, User};
use serde::{Deserialize, Serialize};

/// `POST /api/register`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Wanted handle (validated by the server with [`crate::Handle::parse`]).
    pub handle: String,
    /// Name shown to others.
    pub display_name: String,
    /// Plain password, sent over the connection once and stored only as an argon2id hash.
    pub password: String,
}

/// `POST /api/login`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Handle, any case.
    pub handle: String,
    /// Password.
    pub password: String,
}

/// Answer to a successful register or login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for `/api/logout` and the WebSocket `hello` frame.
    pub token: SessionToken,
    /// The account.
    pub user: User,
}

/// Machine-readable reason of an [`ApiError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// The handle breaks the handle rules.
    InvalidHandle,
    /// Somebody already has that handle.
    HandleTaken,
    /// The display name is empty or too long.
    InvalidDisplayName,
    /// The password is too short or too long.
    InvalidPassword,
    /// Handle or password is wrong (never says which).
    WrongCredentials,
    /// Missing or invalid session token.
    Unauthorized,
    /// The body is not the expected JSON.
    BadRequest,
    /// Too many attempts; the `Retry-After` header and `retry_after_secs` say when to try again.
    RateLimited,
    /// A field of the request is not acceptable (the message says which).
    InvalidField,
    /// The caller is not on the business's team, or their role does not allow this.
    Forbidden,
    /// No such business, label, quick reply or invite.
    NotFound,
    /// The invite was used already or has expired.
    Gone,
    /// The upload is too big.
    TooLarge,
    /// The upload is not an image of an accepted type that decodes (logos: PNG, JPEG or WebP;
    /// photo attachments: also GIF).
    InvalidImage,
    /// The request does not fit the current state, e.g. an upload chunk at the wrong offset or
    /// completing an upload that is missing bytes (the message gives the numbers).
    Conflict,
    /// Server-side failure.
    Internal,
}

/// Error body of every failed `/api` request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Why.
    pub code: ApiErrorCode,
    /// A sentence a person can read.
    pub message: String,
    /// For `rate_limited`: seconds until the same request can succeed (also `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_types_round_trip() {
        let err = ApiError {
            code: ApiErrorCode::HandleTaken,
            message: "That handle is taken.".into(),
            retry_after_secs: None,
        };
        let text = serde_json::to_string(&err).unwrap();
        assert!(text.contains("\"handle_taken\""));
        assert!(!text.contains("retry_after"));
        assert_eq!(serde_json::from_str::<ApiError>(&text).unwrap(), err);
        let limited = ApiError {
            code: ApiErrorCode::RateLimited,
            message: "Too many login attempts. Try again in 7 seconds.".into(),
            retry_after_secs: Some(7),
        };
        let text = serde_json::to_string(&limited).unwrap();
        assert!(text.contains("\"rate_limited\"") && text.contains("\"retry_after_secs\":7"));
        assert_eq!(serde_json::from_str::<ApiError>(&text).unwrap(), limited);
        let req = RegisterRequest {
            handle: "a".into(),
            display_name: "A".into(),
            password: "p".into(),
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(serde_json::from_str::<RegisterRequest>(&text).unwrap(), req);
    }
}
