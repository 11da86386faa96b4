//! Attachments on screen: fetched with the session token (downloads are authorised, never
//! public), kept in the browser's Cache API so a chat reopened offline still shows the photos
//! already seen, and handed to `<img>`, `<audio>` and downloads as object URLs.

use kontor_protocol::media::{Attachment, Variant};
use kontor_protocol::{AttachmentId, SessionToken, UserId};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
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

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "the browser refused".into())
}

async fn cache(user: UserId) -> Option<web_sys::Cache> {
    let caches = web_sys::window()?.caches().ok()?;
    JsFuture::from(caches.open(&cache_name(user)))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

async fn fetch_blob(
    user: UserId,
    token: &SessionToken,
    id: AttachmentId,
    variant: Variant,
) -> Result<web_sys::Blob, String> {
    let url = path(id, variant);
    let cache = cache(user).await;
    if let Some(cache) = &cache
        && let Ok(found) = JsFuture::from(cache.match_with_str(&url)).await
        && let Ok(response) = found.dyn_into::<web_sys::Response>()
    {
        let blob = JsFuture::from(response.blob().map_err(js_err)?)
            .await
            .map_err(js_err)?;
        return blob.dyn_into().map_err(|_| "not a file".to_string());
    }
    let window = web_sys::window().ok_or("no window")?;
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers
        .append("Authorization", &format!("Bearer {}", token.0))
        .map_err(js_err)?;
    let init = web_sys::RequestInit::new();
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| "Cannot reach Kontor to load this file.".to_string())?
        .dyn_into()
        .map_err(|_| "Unexpected answer.".to_string())?;
    if !response.ok() {
        return Err(match response.status() {
            404 => "This file is not available.".to_string(),
            code => format!("Could not load this file ({code})."),
        });
    }
    if let Some(cache) = &cache
        && let Ok(copy) = response.clone()
    {
        // Best effort: a full cache only means the next view fetches again.
        let _ = JsFuture::from(cache.put_with_str(&url, &copy)).await;
    }
    let blob = JsFuture::from(response.blob().map_err(js_err)?)
        .await
        .map_err(js_err)?;
    blob.dyn_into().map_err(|_| "not a file".to_string())
}

/// An object URL for a rendition of an attachment.
pub async fn object_url(
    user: UserId,
    token: &SessionToken,
    id: AttachmentId,
    variant: Variant,
) -> Result<String, String> {
    if let Some(url) = URLS.with(|u| u.borrow().get(&(id, variant)).cloned()) {
        return Ok(url);
    }
    let blob = fetch_blob(user, token, id, variant).await?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_err)?;
    URLS.with(|u| u.borrow_mut().insert((id, variant), url.clone()));
    Ok(url)
}

/// An object URL for a local file (a photo still uploading).
pub fn local_url(blob: &web_sys::Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

/// Saves the original file under its own name.
pub async fn download(
    user: UserId,
    token: &SessionToken,
    attachment: &Attachment,
) -> Result<(), String> {
    let url = object_url(user, token, attachment.id, Variant::Original).await?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_err)?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(&attachment.name);
    link.click();
    Ok(())
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

/// A size people read: "820 KB", "3.4 MB".
pub fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}
