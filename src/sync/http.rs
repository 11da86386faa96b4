//! The one way the client makes an HTTP request: [`fetch`]. The account, business and upload
//! calls ([`super::account`], [`super::business`], [`super::uploads`]) each describe their
//! request as a [`Req`] and let [`fetch`] send it, sort its failure into a [`SyncError`] and
//! decode its JSON answer; attachments' files ([`super::media`]) take the answer as it is
//! ([`send`]).

use super::{SyncError, SyncResult};
use gloo_net::http::{Request, RequestBuilder, Response};
use kontor_protocol::SessionToken;
use kontor_protocol::api::ApiError;
use serde::de::DeserializeOwned;

/// What a request carries.
enum Body<'a> {
    /// Nothing.
    Empty,
    /// JSON text (or the reason it could not be written).
    Json(Option<String>),
    /// A file's bytes as they are.
    Blob(&'a web_sys::Blob),
}

/// An HTTP request before it is sent: method, path, session and body.
pub(crate) struct Req<'a> {
    builder: RequestBuilder,
    body: Body<'a>,
}

impl<'a> Req<'a> {
    fn new(builder: RequestBuilder) -> Self {
        Self {
            builder,
            body: Body::Empty,
        }
    }

    /// `GET path`.
    pub(crate) fn get(path: &str) -> Self {
        Self::new(Request::get(path))
    }

    /// `POST path`.
    pub(crate) fn post(path: &str) -> Self {
        Self::new(Request::post(path))
    }

    /// `PUT path`.
    pub(crate) fn put(path: &str) -> Self {
        Self::new(Request::put(path))
    }

    /// `DELETE path`.
    pub(crate) fn delete(path: &str) -> Self {
        Self::new(Request::delete(path))
    }

    /// Adds the session's bearer token.
    pub(crate) fn token(mut self, token: &SessionToken) -> Self {
        self.builder = self
            .builder
            .header("Authorization", &format!("Bearer {}", token.0));
        self
    }

    /// Carries `body` as JSON.
    pub(crate) fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = Body::Json(crate::json::to_string(body).ok());
        self
    }

    /// Carries a file's bytes.
    pub(crate) fn blob(mut self, blob: &'a web_sys::Blob) -> Self {
        self.body = Body::Blob(blob);
        self
    }

    fn build(self) -> Option<Request> {
        match self.body {
            Body::Empty => self.builder.build().ok(),
            Body::Json(text) => self
                .builder
                .header("Content-Type", "application/json")
                .body(text?)
                .ok(),
            Body::Blob(blob) => self.builder.body(blob.clone()).ok(),
        }
    }
}

/// Sends a request and decodes its JSON answer (an empty answer, 204, reads as JSON `null`, so
/// `R = ()` takes it). Not reaching the server, or an unreadable answer, is
/// [`SyncError::Unreachable`]; a refusal is [`SyncError::HttpRefused`] with the server's reason.
pub(crate) async fn fetch<R: DeserializeOwned>(req: Req<'_>) -> SyncResult<R> {
    let res = send(req).await?;
    let text = res.text().await.map_err(|_| SyncError::Unreachable)?;
    let text = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    crate::json::from_str(text).map_err(|_| SyncError::Unreachable)
}

/// Sends a request and returns its successful answer, unread; failures as in [`fetch`].
pub(crate) async fn send(req: Req<'_>) -> SyncResult<Response> {
    let req = req.build().ok_or(SyncError::Unreachable)?;
    let res = req.send().await.map_err(|_| SyncError::Unreachable)?;
    if !res.ok() {
        return Err(refusal(&res).await);
    }
    Ok(res)
}

/// The server's reason for a failed answer, when it gave one.
async fn refusal(res: &Response) -> SyncError {
    let reason = match res.text().await {
        Ok(text) => crate::json::from_str::<ApiError>(&text).ok(),
        Err(_) => None,
    };
    SyncError::HttpRefused {
        status: res.status(),
        status_text: res.status_text(),
        code: reason.as_ref().map(|r| r.code),
        message: reason.map(|r| r.message),
    }
}
