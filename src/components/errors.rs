//! The sentences a person reads when something failed: [`crate::sync`] says what went wrong as
//! data ([`SyncError`], [`Problem`]), the view words it here ([`call`] runs an HTTP call and
//! shows its failure).
//!
//! Pages load inside `Suspense`/`Transition` and match the loaded `Result` there, worded by
//! [`sentence`], rather than through an `ErrorBoundary`: that one component added 30 KB (before
//! compression) to each bundle using it, 8.6 KB brotli on the first visit (measured on
//! 2026-12-03; BENCHMARKS.md).

use crate::state::AppCtx;
use crate::store::StoreError;
use crate::sync::{Invalid, Problem, SyncError};
use kontor_protocol::SessionToken;
use kontor_protocol::limits::MAX_BODY_BYTES;
use kontor_protocol::media::MAX_UPLOAD_BYTES;
use kontor_protocol::text::BodyError;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Bytes in a KiB and a MiB, for the limits the sentences name.
const KIB: usize = 1024;
const MIB: u64 = 1024 * 1024;

/// Why an attachment's file could not be loaded.
pub fn file_sentence(e: &SyncError) -> String {
    match e {
        SyncError::Unreachable => "Cannot reach Kontor to load this file.".into(),
        SyncError::HttpRefused { status: 404, .. } => "This file is not available.".into(),
        SyncError::HttpRefused { status, .. } => format!("Could not load this file ({status})."),
        e => sentence(e),
    }
}

/// What a failure means to the person at the keyboard.
pub fn sentence(e: &SyncError) -> String {
    match e {
        SyncError::Offline => "You are offline. This needs a connection.".into(),
        SyncError::Unreachable => {
            "Cannot reach Kontor. Check your connection and try again.".into()
        }
        SyncError::NoAnswer => "No answer from the server. Please try again.".into(),
        SyncError::Refused { message, .. } => message.clone(),
        SyncError::HttpRefused {
            message: Some(message),
            ..
        } => message.clone(),
        SyncError::HttpRefused {
            status,
            status_text,
            ..
        } => format!("The server answered {status} {status_text}."),
        SyncError::Invalid(Invalid::Body(e)) => e.to_string(),
        SyncError::Invalid(Invalid::EmptyFile(name)) => format!("“{name}” is empty."),
        SyncError::Invalid(Invalid::FileTooBig(name)) => format!(
            "“{name}” is too big: files can be at most {} MiB.",
            MAX_UPLOAD_BYTES / MIB
        ),
        SyncError::Invalid(Invalid::UnexpectedAnswer) => {
            "Unexpected answer from the server.".into()
        }
        SyncError::Storage(e) => e.to_string(),
        SyncError::LoggedOut => "You are logged out. Log in again to continue.".into(),
        SyncError::Starting => "Kontor is still starting. Please try again in a moment.".into(),
    }
}

/// Why a message (`what`: "message" or "note") was not queued.
pub fn not_sent(e: &SyncError, what: &str) -> String {
    match e {
        SyncError::Invalid(Invalid::Body(BodyError::TooLong)) => format!(
            "This {what} is too long: at most {} KiB of text.",
            MAX_BODY_BYTES / KIB
        ),
        SyncError::Storage(e) => format!("Not sent: {e}."),
        other => sentence(other),
    }
}

/// A problem the engine ran into on its own.
pub fn problem(p: &Problem) -> String {
    match p {
        Problem::Storage(StoreError::QuotaExceeded) => {
            "Your browser's storage for Kontor is full. Free some space; messages are kept on the \
             server meanwhile."
                .into()
        }
        Problem::Storage(other) => format!("Could not save locally: {other}."),
        Problem::Evicted(n) => format!(
            "Storage is almost full, so {n} older messages were removed from this device. They \
             load again from the server when you scroll up."
        ),
        Problem::Failed(e) => sentence(e),
    }
}

/// Runs an authorised API call in the background: a missing session or the server's refusal
/// lands in `error`, `busy` is on meanwhile, and `done` gets the answer.
pub fn call<T, F>(
    ctx: AppCtx,
    error: RwSignal<Option<String>>,
    busy: Option<RwSignal<bool>>,
    request: impl FnOnce(SessionToken) -> F + 'static,
    done: impl FnOnce(T) + 'static,
) where
    T: 'static,
    F: std::future::Future<Output = Result<T, SyncError>> + 'static,
{
    let token = match crate::state::token(ctx) {
        Ok(t) => t,
        Err(e) => {
            error.set(Some(sentence(&e)));
            return;
        }
    };
    if let Some(b) = busy {
        b.set(true);
    }
    error.set(None);
    spawn_local(async move {
        let result = request(token).await;
        if let Some(b) = busy {
            b.set(false);
        }
        match result {
            Ok(answer) => done(answer),
            Err(e) => error.set(Some(sentence(&e))),
        }
    });
}
