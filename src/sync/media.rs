//! Attachments' files: fetched with the session token (downloads are authorised, never public),
//! kept in the browser's Cache API so a chat reopened offline still shows the photos already
//! seen, and handed to the view as object URLs.

use super::http::{Req, send};
use super::{SyncError, SyncResult};
use kontor_protocol::media::Variant;
use kontor_protocol::{AttachmentId, SessionToken, UserId};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Object URLs made this session, so a rendition is fetched and decoded once.
    static URLS: RefCell<HashMap<(AttachmentId, Variant), String>> = RefCell::new(HashMap::new());
}

fn cache_name(user: UserId) -> String {
    format!("kontor-media-{user}")
}

fn path(id: AttachmentId, variant: Variant) -> String {
    format!("/api/attachments/{id}?variant={}", variant.as_str())
}

async fn cache(user: UserId) -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(&cache_name(user)))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// A response's body as a file; an unreadable one counts as not reaching the server.
async fn blob_of(response: &web_sys::Response) -> SyncResult<web_sys::Blob> {
    let blob = response.blob().map_err(|_| SyncError::Unreachable)?;
    JsFuture::from(blob)
        .await
        .map_err(|_| SyncError::Unreachable)?
        .dyn_into()
        .map_err(|_| SyncError::Unreachable)
}

async fn fetch_blob(
    user: UserId,
    token: &SessionToken,
    id: AttachmentId,
    variant: Variant,
) -> SyncResult<web_sys::Blob> {
    let url = path(id, variant);
    let cache = cache(user).await;
    if let Some(cache) = &cache
        && let Ok(found) = JsFuture::from(cache.match_with_str(&url)).await
        && let Ok(response) = found.dyn_into::<web_sys::Response>()
    {
        return blob_of(&response).await;
    }
    let response = send(Req::get(&url).token(token)).await?;
    let response = web_sys::Response::from(response);
    if let Some(cache) = &cache
        && let Ok(copy) = response.clone()
    {
        // Best effort: a full cache only means the next view fetches again.
        let _ = JsFuture::from(cache.put_with_str(&url, &copy)).await;
    }
    blob_of(&response).await
}

/// An object URL for a rendition of an attachment.
pub async fn object_url(
    user: UserId,
    token: &SessionToken,
    id: AttachmentId,
    variant: Variant,
) -> SyncResult<String> {
    if let Some(url) = URLS.with(|u| u.borrow().get(&(id, variant)).cloned()) {
        return Ok(url);
    }
    let blob = fetch_blob(user, token, id, variant).await?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| SyncError::Unreachable)?;
    URLS.with(|u| u.borrow_mut().insert((id, variant), url.clone()));
    Ok(url)
}

/// Forgets this account's cached media (logout).
pub async fn clear(user: UserId) {
    if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
        let _ = JsFuture::from(caches.delete(&cache_name(user))).await;
    }
    URLS.with(|u| {
        for url in u.borrow_mut().drain().map(|(_, url)| url) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });
}
