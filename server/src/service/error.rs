//! The one refusal enum of the services, and its mapping to the WebSocket's [`ErrorCode`]
//! (the mapping to HTTP is in `http/error.rs`).

use crate::db::DbError;
use crate::limits::Limited;
use crate::workers::Busy;
use kontor_protocol::{ErrorCode, MessageId, RequestId, ServerFrame};
use std::time::Duration;

/// Why a service did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Storage failed (the details stay in the server log).
    #[error(transparent)]
    Storage(#[from] DbError),
    /// A unique handle is already in use.
    #[error("that handle is taken")]
    HandleTaken,
    /// The caller has no access, or the thing does not exist (not told apart, on purpose).
    #[error("not found")]
    NotFound,
    /// No user has this handle.
    #[error("no user has that handle")]
    UnknownHandle,
    /// The request breaks a rule; the sentence says which.
    #[error("{0}")]
    Invalid(&'static str),
    /// Too large; the sentence says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// An id was reused for something else.
    #[error("that id was already used for something else")]
    Conflict,
    /// The caller's role does not allow this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A refusal whose reason names things (only for the operator or the caller's own data).
    #[error("{0}")]
    Refused(String),
    /// An invite that was used already or has expired.
    #[error("that invite link was used already or has expired")]
    Gone,
    /// Nothing by that id for this caller; the sentence says what and what to do.
    #[error("{0}")]
    Missing(&'static str),
    /// The request does not fit the current state (an upload chunk at the wrong offset, another
    /// request working on the same upload); the sentence gives the numbers.
    #[error("{0}")]
    OutOfStep(String),
    /// Not an image of an accepted type that decodes.
    #[error("{0}")]
    InvalidImage(String),
    /// The handle cannot be used; the sentence says why.
    #[error("{0}")]
    InvalidHandle(String),
    /// The display name cannot be used; the sentence says why.
    #[error("{0}")]
    InvalidDisplayName(String),
    /// The password cannot be used; the sentence says why.
    #[error("{0}")]
    InvalidPassword(String),
    /// The operator suspended this account.
    #[error("this account is suspended")]
    Suspended,
    /// No live session: never logged in, logged out, or expired.
    #[error("your session has ended; please log in again")]
    Unauthorized,
    /// Wrong handle or password (never says which).
    #[error("wrong handle or password")]
    WrongCredentials,
    /// Reading or writing files failed (the details stay in the server log).
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The blob store failed (the details stay in the server log).
    #[error(transparent)]
    Blobs(#[from] crate::media::storage::StorageError),
    /// A rate limit refused this; it can succeed after the wait it names.
    #[error("{}", rate_sentence(.0))]
    RateLimited(Limited),
    /// Too many heavy jobs (password checks, pictures) are waiting already.
    #[error("The server is busy. Please try again in a moment.")]
    Busy(#[from] Busy),
}

/// How long the caller waits after being refused for being too busy.
const BUSY_RETRY: Duration = Duration::from_secs(1);

/// "Too many … Try again in 42 seconds."
fn rate_sentence(limited: &Limited) -> String {
    format!(
        "{} Try again in {}.",
        limited.what.sentence(),
        wait_words(limited.retry_after)
    )
}

/// A wait in words, rounded up: "1 second", "42 seconds", "3 minutes".
pub fn wait_words(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    match secs {
        0 | 1 => "1 second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

impl From<Limited> for ServiceError {
    fn from(limited: Limited) -> Self {
        ServiceError::RateLimited(limited)
    }
}

/// Results of services.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// When the same request can succeed, for refusals that are only a matter of time.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ServiceError::RateLimited(limited) => Some(limited.retry_after),
            ServiceError::Busy(_) => Some(BUSY_RETRY),
            _ => None,
        }
    }

    /// The error frame a WebSocket client is told, about a message or a request.
    pub fn frame(
        &self,
        message_id: Option<MessageId>,
        request_id: Option<RequestId>,
    ) -> ServerFrame {
        let (code, message) = self.wire();
        ServerFrame::Error {
            code,
            message,
            message_id,
            request_id,
            retry_after_ms: self
                .retry_after()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// The error code and sentence a WebSocket client is told. Internal details stay in the log.
    pub fn wire(&self) -> (ErrorCode, String) {
        match self {
            ServiceError::RateLimited(_) | ServiceError::Busy(_) => {
                (ErrorCode::RateLimited, self.to_string())
            }
            ServiceError::NotFound => (ErrorCode::NotFound, "No such conversation.".into()),
            ServiceError::UnknownHandle => {
                (ErrorCode::UnknownHandle, "Nobody has that handle.".into())
            }
            ServiceError::Invalid(why) => (ErrorCode::Invalid, (*why).into()),
            ServiceError::TooLarge(why) => (ErrorCode::TooLarge, why.clone()),
            ServiceError::Forbidden(why) => (ErrorCode::Forbidden, (*why).into()),
            ServiceError::Refused(why) => (ErrorCode::Invalid, why.clone()),
            ServiceError::Gone => (ErrorCode::NotFound, self.to_string()),
            ServiceError::HandleTaken => (ErrorCode::Invalid, self.to_string()),
            ServiceError::Conflict => (ErrorCode::Conflict, self.to_string()),
            ServiceError::Missing(why) => (ErrorCode::NotFound, (*why).into()),
            ServiceError::InvalidHandle(why)
            | ServiceError::InvalidDisplayName(why)
            | ServiceError::InvalidPassword(why) => (ErrorCode::Invalid, why.clone()),
            ServiceError::WrongCredentials => {
                (ErrorCode::Unauthorized, "Wrong handle or password.".into())
            }
            ServiceError::Suspended => (
                ErrorCode::Forbidden,
                "This account is suspended. Write to the operator if you think this is a mistake."
                    .into(),
            ),
            ServiceError::Unauthorized => (
                ErrorCode::Unauthorized,
                "Your session has ended. Please log in again.".into(),
            ),
            ServiceError::OutOfStep(why) => (ErrorCode::Conflict, why.clone()),
            ServiceError::InvalidImage(why) => (ErrorCode::Invalid, why.clone()),
            ServiceError::Io(_) | ServiceError::Blobs(_) => {
                tracing::error!("{self}");
                (
                    ErrorCode::Internal,
                    "The server could not store this; nothing was saved.".into(),
                )
            }
            ServiceError::Storage(DbError::WriterGone) => (
                ErrorCode::Unavailable,
                "The server could not store this now; it will be retried.".into(),
            ),
            ServiceError::Storage(e) => {
                tracing::error!("storage error: {e}");
                (
                    ErrorCode::Internal,
                    "The server could not store this; nothing was saved.".into(),
                )
            }
        }
    }
}

impl From<crate::business::validate::FieldError> for ServiceError {
    fn from(e: crate::business::validate::FieldError) -> Self {
        ServiceError::Refused(e.0)
    }
}

impl From<kontor_protocol::text::BodyError> for ServiceError {
    fn from(e: kontor_protocol::text::BodyError) -> Self {
        use kontor_protocol::text::BodyError;
        match e {
            BodyError::Empty => ServiceError::Invalid("A message cannot be empty."),
            BodyError::TooLong => ServiceError::TooLarge(e.to_string()),
        }
    }
}
