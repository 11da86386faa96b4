//! Errors of the `/api` routes, always answered as an [`ApiError`] JSON body.

use crate::db::DbError;
use crate::service::ServiceError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kontor_protocol::api::{ApiError, ApiErrorCode};
use std::time::Duration;

/// A failed API request: status, code and a sentence for people.
#[derive(Debug)]
pub struct ApiFailure {
    status: StatusCode,
    code: ApiErrorCode,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiFailure {
    /// A failure with the given parts.
    pub fn new(status: StatusCode, code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 with a code.
    pub fn bad(code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 500; the details go to the log, not to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiErrorCode::Internal,
            "Something went wrong on the server. Please try again.",
        )
    }
}

impl From<DbError> for ApiFailure {
    fn from(e: DbError) -> Self {
        ServiceError::from(e).into()
    }
}

/// The one place where a service's refusal becomes an HTTP status.
impl From<ServiceError> for ApiFailure {
    fn from(e: ServiceError) -> Self {
        if let Some(wait) = e.retry_after() {
            return Self {
                retry_after: Some(wait),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ApiErrorCode::RateLimited,
                    e.to_string(),
                )
            };
        }
        match e {
            ServiceError::HandleTaken => Self::new(
                StatusCode::CONFLICT,
                ApiErrorCode::HandleTaken,
                "That handle is taken. Please choose another.",
            ),
            ServiceError::Storage(DbError::WriterGone) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiErrorCode::Internal,
                "The server is restarting. Please try again.",
            ),
            ServiceError::NotFound | ServiceError::UnknownHandle => {
                Self::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, "Not found.")
            }
            ServiceError::Forbidden(why) => {
                Self::new(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, why)
            }
            ServiceError::Gone => Self::new(
                StatusCode::GONE,
                ApiErrorCode::Gone,
                "This invite link was used already or has expired. Ask for a new one.",
            ),
            ServiceError::Invalid(why) => Self::bad(ApiErrorCode::InvalidField, why),
            ServiceError::Refused(why) => Self::bad(ApiErrorCode::InvalidField, why),
            ServiceError::TooLarge(why) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, ApiErrorCode::TooLarge, why)
            }
            ServiceError::InvalidHandle(why) => Self::bad(ApiErrorCode::InvalidHandle, why),
            ServiceError::InvalidDisplayName(why) => {
                Self::bad(ApiErrorCode::InvalidDisplayName, why)
            }
            ServiceError::InvalidPassword(why) => Self::bad(ApiErrorCode::InvalidPassword, why),
            ServiceError::WrongCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                ApiErrorCode::WrongCredentials,
                "Wrong handle or password.",
            ),
            ServiceError::Suspended => Self::new(
                StatusCode::FORBIDDEN,
                ApiErrorCode::Forbidden,
                "This account is suspended. Write to the operator if you think this is a mistake.",
            ),
            ServiceError::Unauthorized => Self::new(
                StatusCode::UNAUTHORIZED,
                ApiErrorCode::Unauthorized,
                "Your session has ended. Please log in again.",
            ),
            ServiceError::Missing(why) => {
                Self::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, why)
            }
            ServiceError::OutOfStep(why) => {
                Self::new(StatusCode::CONFLICT, ApiErrorCode::Conflict, why)
            }
            ServiceError::InvalidImage(why) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiErrorCode::InvalidImage,
                why,
            ),
            ServiceError::Conflict => Self::new(
                StatusCode::CONFLICT,
                ApiErrorCode::Conflict,
                "That id was already used for something else.",
            ),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        // Whole seconds, rounded up: retrying early would only be refused again.
        let retry_secs = self
            .retry_after
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
        let body = ApiError {
            code: self.code,
            message: self.message,
            retry_after_secs: retry_secs,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = retry_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Unknown `/api/…` path.
pub async fn not_found() -> ApiFailure {
    ApiFailure::new(
        StatusCode::NOT_FOUND,
        ApiErrorCode::BadRequest,
        "No such API endpoint.",
    )
}
