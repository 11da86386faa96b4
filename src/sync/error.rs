//! Why the engine or an HTTP call could not do what it was asked, as data: the caller tells
//! offline from refused from invalid, and the view (`components/errors.rs`) makes the
//! sentence a person reads.

use crate::store::StoreError;
use kontor_protocol::ErrorCode;
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::text::BodyError;

/// Every failure of [`crate::sync`]: the socket engine, its requests and the HTTP calls.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    /// No live connection, and this needs the server.
    #[error("offline")]
    Offline,
    /// An HTTP request did not reach the server (or its answer could not be read).
    #[error("the server could not be reached")]
    Unreachable,
    /// The server did not answer a request in time.
    #[error("no answer from the server in time")]
    NoAnswer,
    /// The server refused a socket request.
    #[error("refused ({code:?}): {message}")]
    Refused {
        /// The machine-readable reason.
        code: ErrorCode,
        /// The server's sentence.
        message: String,
    },
    /// The server refused an HTTP request.
    #[error("HTTP {status} {status_text}: {message:?}")]
    HttpRefused {
        /// The HTTP status.
        status: u16,
        /// The status's words.
        status_text: String,
        /// The machine-readable reason, when the server gave one.
        code: Option<ApiErrorCode>,
        /// The server's sentence, when it gave one.
        message: Option<String>,
    },
    /// What was asked, or what came back, is not valid.
    #[error("invalid: {0}")]
    Invalid(#[from] Invalid),
    /// The local database failed.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    /// Nobody is logged in (any more).
    #[error("logged out")]
    LoggedOut,
    /// The engine has not started within the wait.
    #[error("still starting")]
    Starting,
}

/// What makes a request or an answer invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    /// A message or note body the protocol refuses.
    #[error("body: {0}")]
    Body(#[from] BodyError),
    /// A file with no bytes.
    #[error("empty file {0:?}")]
    EmptyFile(String),
    /// A file over [`kontor_protocol::media::MAX_UPLOAD_BYTES`].
    #[error("file too big {0:?}")]
    FileTooBig(String),
    /// The server answered with a frame that does not answer the request.
    #[error("unexpected answer")]
    UnexpectedAnswer,
}

impl From<BodyError> for SyncError {
    fn from(e: BodyError) -> Self {
        SyncError::Invalid(Invalid::Body(e))
    }
}

/// Result of the engine's and the HTTP calls' operations.
pub type SyncResult<T> = Result<T, SyncError>;

/// Something the engine ran into on its own, worth telling the user (shown above the chat list).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The local database failed.
    Storage(StoreError),
    /// Storage was nearly full, so this many older messages left this device.
    Evicted(u32),
    /// A request made for the view failed.
    Failed(SyncError),
}

impl From<SyncError> for Problem {
    fn from(e: SyncError) -> Self {
        Problem::Failed(e)
    }
}
