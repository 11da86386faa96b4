//! Errors of the `/api` routes, always answered as an [`ApiError`] JSON body.

use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kontor_protocol::api::{ApiError, ApiErrorCode};

/// A failed API request: status, code and a sentence for people.
#[derive(Debug)]
pub struct ApiFailure {
    status: StatusCode,
    code: ApiErrorCode,
    message: String,
}

impl ApiFailure {
    /// A failure with the given parts.
    pub fn new(status: StatusCode, code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
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

impl From<StoreError> for ApiFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::HandleTaken => Self::new(
                StatusCode::CONFLICT,
                ApiErrorCode::HandleTaken,
                "That handle is taken. Please choose another.",
            ),
            StoreError::WriterGone => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiErrorCode::Internal,
                "The server is restarting. Please try again.",
            ),
            StoreError::NotFound | StoreError::UnknownHandle => {
                Self::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, "Not found.")
            }
            StoreError::Forbidden(why) => {
                Self::new(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, why)
            }
            StoreError::Gone => Self::new(
                StatusCode::GONE,
                ApiErrorCode::Gone,
                "This invite link was used already or has expired. Ask for a new one.",
            ),
            StoreError::Invalid(why) => Self::bad(ApiErrorCode::InvalidField, why),
            StoreError::Refused(why) => Self::bad(ApiErrorCode::InvalidField, why),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code,
            message: self.message,
        };
        (self.status, Json(body)).into_response()
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
