//! `/api/uploads/…` and `/api/attachments/…`: resumable uploads, checked and stored as
//! attachments, and downloads for the members of the conversation. Docs: `docs/media-api.md`.
//!
//! Over 500 lines: the upload pipeline (chunks, completion, photo renditions into the blob
//! store) is still orchestrated here; it is to move into `service/media.rs` (open work of the
//! architecture issue).

use super::current_user::CurrentUser;
use super::{ApiFailure, JsonBody};
use crate::db::{Files, UploadRow, now_ms};
use crate::media::image::{self as photo, PhotoError};
use crate::media::storage::BlobHash;
use crate::media::uploads::{self, NameError};
use crate::service::ServiceError;
use crate::service::media as rules;
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::media::{
    Attachment, AttachmentKind, MAX_UPLOAD_BYTES, MAX_VOICE_MS, NewUpload, UPLOAD_CHUNK_BYTES,
    UploadState, Variant,
};
use kontor_protocol::{AttachmentId, UploadId, UserId};
use serde::Deserialize;
use std::fmt::Write as _;

/// Largest body of one `PUT` chunk: a chunk plus slack for clients that round differently.
pub const MAX_CHUNK_BODY: usize = UPLOAD_CHUNK_BYTES as usize + 64 * 1024;

fn not_found(message: &'static str) -> ApiFailure {
    ApiFailure::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, message)
}

fn no_upload() -> ApiFailure {
    not_found("No such upload: it was completed, cancelled or has expired. Please start again.")
}

fn no_attachment() -> ApiFailure {
    not_found("No such attachment.")
}

fn conflict(message: String) -> ApiFailure {
    ApiFailure::new(StatusCode::CONFLICT, ApiErrorCode::Conflict, message)
}

fn too_large(message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ApiErrorCode::TooLarge,
        message,
    )
}

fn invalid_image(message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ApiErrorCode::InvalidImage,
        message,
    )
}

fn busy() -> ApiFailure {
    conflict("Another request is working on this upload right now. Please try again.".into())
}

/// Ids in paths: anything that is not one is simply not found.
fn upload_id(raw: &str) -> Result<UploadId, ApiFailure> {
    raw.parse().map_err(|_| no_upload())
}

/// `POST /api/uploads`: announces a file.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    JsonBody(req): JsonBody<NewUpload>,
) -> Result<(StatusCode, Json<UploadState>), ApiFailure> {
    let row = validate(req, user.id)?;
    let created = state
        .db
        .transact(move |tx| rules::create_upload(tx, &row))
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => not_found("No such conversation."),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Checks an announced upload and turns it into the row to store.
fn validate(req: NewUpload, user: UserId) -> Result<UploadRow, ApiFailure> {
    if req.size == 0 {
        return Err(too_large("That file is empty."));
    }
    if req.size > MAX_UPLOAD_BYTES {
        return Err(too_large(format!(
            "A file is at most {} MiB.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let name = uploads::clean_name(&req.name).map_err(|e| {
        let message = match e {
            NameError::Empty => "The file needs a name.",
            NameError::TooLong => "That file name is too long.",
        };
        ApiFailure::bad(ApiErrorCode::InvalidField, message)
    })?;
    let mime = uploads::clean_mime(&req.mime);
    let (mime, duration_ms) = match req.kind {
        AttachmentKind::Photo => match mime {
            Some(m) if kontor_protocol::media::is_photo_mime(&m) => (m, None),
            _ => {
                return Err(invalid_image(
                    "A photo must be a JPEG, PNG, WebP or GIF image. Send other files as a document.",
                ));
            }
        },
        AttachmentKind::Voice => {
            let mime = match mime {
                Some(m) if m.starts_with("audio/") || is_audio_container(&m) => m,
                // Some recorders leave the type empty.
                None if req.mime.trim().is_empty() => "application/octet-stream".into(),
                _ => {
                    return Err(ApiFailure::bad(
                        ApiErrorCode::InvalidField,
                        "A voice message must be an audio recording.",
                    ));
                }
            };
            if req.duration_ms.is_some_and(|d| d > MAX_VOICE_MS) {
                return Err(ApiFailure::bad(
                    ApiErrorCode::InvalidField,
                    format!(
                        "A voice message is at most {} minutes long.",
                        MAX_VOICE_MS / 60_000
                    ),
                ));
            }
            (mime, req.duration_ms)
        }
        AttachmentKind::Document => (
            mime.unwrap_or_else(|| "application/octet-stream".into()),
            None,
        ),
    };
    Ok(UploadRow {
        id: UploadId::new(),
        user,
        conversation: req.conversation_id,
        name,
        mime,
        kind: req.kind,
        size: req.size,
        received: 0,
        duration_ms,
        created_at: now_ms(),
    })
}

/// Video containers browsers record sound-only notes in.
fn is_audio_container(mime: &str) -> bool {
    matches!(mime, "video/webm" | "video/mp4" | "video/ogg")
}

/// The caller's upload, or 404.
async fn own_upload(state: &AppState, id: UploadId, user: UserId) -> Result<UploadRow, ApiFailure> {
    state
        .db
        .read(move |d| Ok::<_, ServiceError>(d.upload(id, user)?))
        .await?
        .ok_or_else(no_upload)
}

/// `GET /api/uploads/{id}`: where to resume. An upload that was completed already reports all
/// its bytes received, so a client that lost the answer to `complete` simply completes again.
pub async fn state(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<UploadState>, ApiFailure> {
    let id = upload_id(&raw)?;
    let me = user.id;
    let found = state
        .db
        .read(move |d| rules::upload_state(d, id, me))
        .await?;
    found.map(Json).ok_or_else(no_upload)
}

/// `?offset=N` of a chunk.
#[derive(Debug, Deserialize)]
pub struct ChunkQuery {
    offset: u64,
}

/// `PUT /api/uploads/{id}?offset=N`: the next bytes.
pub async fn put_chunk(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    query: Result<Query<ChunkQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadState>, ApiFailure> {
    let id = upload_id(&raw)?;
    own_upload(&state, id, user.id).await?;
    let Query(ChunkQuery { offset }) = query.map_err(|_| {
        ApiFailure::bad(
            ApiErrorCode::BadRequest,
            "Say where this chunk goes: ?offset=N, N being the bytes the server has.",
        )
    })?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(format!(
                "Send at most {} KiB per request.",
                UPLOAD_CHUNK_BYTES / 1024
            ))
        } else {
            ApiFailure::bad(ApiErrorCode::BadRequest, "The chunk did not arrive whole.")
        }
    })?;
    let _lock = state.media.uploads.lock(id).ok_or_else(busy)?;
    // Read again under the lock: a request that just finished may have moved it.
    let upload = own_upload(&state, id, user.id).await?;
    if offset != upload.received {
        return Err(conflict(format!(
            "The server has {} of {} bytes: send from offset {}.",
            upload.received, upload.size, upload.received
        )));
    }
    let received = upload.received + bytes.len() as u64;
    if received > upload.size {
        return Err(too_large(format!(
            "That is more than the {} bytes announced.",
            upload.size
        )));
    }
    if bytes.is_empty() {
        return Ok(Json(upload.state()));
    }
    let path = state.media.uploads.part_path(id);
    tokio::task::spawn_blocking(move || uploads::write_chunk(&path, offset, &bytes))
        .await
        .map_err(ApiFailure::internal)?
        .map_err(ApiFailure::internal)?;
    let moved = state
        .db
        .transact(move |tx| Ok::<_, ServiceError>(tx.set_received(id, received)?))
        .await?;
    if !moved {
        return Err(no_upload());
    }
    Ok(Json(UploadState {
        received,
        ..upload.state()
    }))
}

/// `DELETE /api/uploads/{id}`: cancels an upload and deletes its bytes.
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    let id = upload_id(&raw)?;
    own_upload(&state, id, user.id).await?;
    let _lock = state.media.uploads.lock(id).ok_or_else(busy)?;
    discard(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an upload's row and files (best effort: what remains, the cleanup task removes).
async fn discard(state: &AppState, id: UploadId) {
    if let Err(e) = state
        .db
        .transact(move |tx| Ok::<_, ServiceError>(tx.delete_upload(id)?))
        .await
    {
        tracing::warn!("could not delete upload {id}: {e}");
    }
    let media = state.media.clone();
    let _ = tokio::task::spawn_blocking(move || media.uploads.remove_files(id)).await;
}

/// `POST /api/uploads/{id}/complete`: checks the file and stores it as an attachment. Completing
/// an upload again answers the attachment it became.
pub async fn complete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<(StatusCode, Json<Attachment>), ApiFailure> {
    let id = upload_id(&raw)?;
    let me = user.id;
    if own_upload(&state, id, me).await.is_err() {
        return already_made(&state, id, me).await;
    }
    // Runs to its end even when the client goes away meanwhile: its retry then finds the
    // attachment made, instead of an upload whose bytes were half moved.
    tokio::spawn(complete_owned(state, id, me))
        .await
        .map_err(ApiFailure::internal)?
}

async fn complete_owned(
    state: AppState,
    id: UploadId,
    me: UserId,
) -> Result<(StatusCode, Json<Attachment>), ApiFailure> {
    let _lock = state.media.uploads.lock(id).ok_or_else(busy)?;
    let Ok(upload) = own_upload(&state, id, me).await else {
        return already_made(&state, id, me).await;
    };
    if upload.received < upload.size {
        return Err(conflict(format!(
            "The server has {} of {} bytes: send the rest from offset {} first.",
            upload.received, upload.size, upload.received
        )));
    }
    let part = state.media.uploads.part_path(id);
    let on_disk = tokio::fs::metadata(&part)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    if on_disk < upload.size {
        // The file lost bytes the database counted (a disk problem): resume from what is there.
        tracing::warn!(
            "upload {id}: {on_disk} bytes on disk, {} recorded",
            upload.received
        );
        state
            .db
            .transact(move |tx| Ok::<_, ServiceError>(tx.set_received(id, on_disk)?))
            .await?;
        return Err(conflict(format!(
            "The server has {on_disk} of {} bytes: send the rest from offset {on_disk} first.",
            upload.size
        )));
    }
    match store_upload(&state, &upload).await {
        Ok(attachment) => {
            // A photo's upload was only read: its bytes go now.
            let media = state.media.clone();
            let _ = tokio::task::spawn_blocking(move || media.uploads.remove_files(id)).await;
            Ok((StatusCode::CREATED, Json(attachment)))
        }
        Err(e) => {
            // Nothing is kept half: the bytes and the upload go.
            discard(&state, id).await;
            Err(e)
        }
    }
}

/// The answer to completing an upload that is no longer in progress: the attachment it became,
/// or 404.
async fn already_made(
    state: &AppState,
    id: UploadId,
    user: UserId,
) -> Result<(StatusCode, Json<Attachment>), ApiFailure> {
    let made = state
        .db
        .read(move |d| Ok::<_, ServiceError>(d.attachment_of_upload(id, user)?))
        .await?
        .ok_or_else(no_upload)?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Checks and stores a complete upload; answers the attachment it became.
async fn store_upload(state: &AppState, upload: &UploadRow) -> Result<Attachment, ApiFailure> {
    let media = &state.media;
    let id = upload.id;
    let part = media.uploads.part_path(id);
    let (files, size, width, height, mime) = if upload.kind == AttachmentKind::Photo {
        let _slot = media
            .photo_slots
            .acquire()
            .await
            .map_err(ApiFailure::internal)?;
        let paths = [
            media.uploads.work_path(id, "original"),
            media.uploads.work_path(id, "preview"),
            media.uploads.work_path(id, "thumb"),
        ];
        let declared = upload.mime.clone();
        let work = paths.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let [original, preview, thumb] = &work;
            let out = photo::Outputs {
                original,
                preview,
                thumb,
            };
            photo::process(&part, &declared, out)
        })
        .await
        .map_err(ApiFailure::internal)?;
        let photo = checked.map_err(|e| match e {
            PhotoError::Io(e) => ApiFailure::internal(e),
            refused => invalid_image(refused.to_string()),
        })?;
        let size = tokio::fs::metadata(&paths[0])
            .await
            .map_err(ApiFailure::internal)?
            .len();
        let [original, preview, thumb] = paths;
        let files = Files {
            original: put(state, original).await?,
            preview: Some(put(state, preview).await?),
            thumb: Some(put(state, thumb).await?),
        };
        (
            files,
            size,
            Some(photo.width),
            Some(photo.height),
            photo.mime.to_owned(),
        )
    } else {
        let files = Files {
            original: put(state, part).await?,
            preview: None,
            thumb: None,
        };
        (files, upload.size, None, None, upload.mime.clone())
    };
    let attachment = Attachment {
        id: AttachmentId::new(),
        kind: upload.kind,
        name: upload.name.clone(),
        mime,
        size,
        width,
        height,
        duration_ms: upload.duration_ms,
    };
    let (row, stored) = (upload.clone(), attachment.clone());
    state
        .db
        .transact(move |tx| rules::finish_upload(tx, &row, &stored, &files))
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => not_found("No such conversation."),
            other => other.into(),
        })?;
    Ok(attachment)
}

async fn put(state: &AppState, file: std::path::PathBuf) -> Result<BlobHash, ApiFailure> {
    state
        .media
        .blobs
        .put(file)
        .await
        .map_err(ApiFailure::internal)
}

/// `?variant=` of a download.
#[derive(Debug, Deserialize)]
pub struct VariantQuery {
    #[serde(default)]
    variant: Variant,
}

/// `GET /api/attachments/{id}?variant=original|preview|thumb`: the file, streamed.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
    query: Result<Query<VariantQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let id: AttachmentId = raw.parse().map_err(|_| no_attachment())?;
    let Query(VariantQuery { variant }) = query.map_err(|_| {
        ApiFailure::bad(
            ApiErrorCode::BadRequest,
            "The variant is original, preview or thumb.",
        )
    })?;
    let me = user.id;
    let found = state
        .db
        .read(move |d| rules::attachment_for(d, id, me))
        .await?
        .ok_or_else(no_attachment)?;
    let a = &found.attachment;
    let (hash, content_type) = match variant {
        Variant::Original => (
            Some(found.files.original),
            uploads::served_mime(&a.mime).to_owned(),
        ),
        Variant::Preview => (found.files.preview, "image/jpeg".to_owned()),
        Variant::Thumb => (found.files.thumb, "image/jpeg".to_owned()),
    };
    let hash = hash.ok_or_else(|| not_found("Only photos have a preview and a thumbnail."))?;
    let etag = format!("\"{hash}\"");
    let mut response_headers = HeaderMap::new();
    let set = |h: &mut HeaderMap, name, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(
        &mut response_headers,
        header::CACHE_CONTROL,
        "private, max-age=31536000, immutable",
    );
    set(&mut response_headers, header::ETAG, &etag);
    // Even if a browser were made to render it, it could run nothing.
    set(
        &mut response_headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox",
    );
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    let blob = state
        .media
        .blobs
        .open(hash)
        .await
        .map_err(ApiFailure::internal)?
        .ok_or_else(|| {
            ApiFailure::internal(format!("blob {hash} of attachment {id} is missing"))
        })?;
    set(&mut response_headers, header::CONTENT_TYPE, &content_type);
    set(
        &mut response_headers,
        header::CONTENT_LENGTH,
        &blob.len.to_string(),
    );
    if variant == Variant::Original {
        set(
            &mut response_headers,
            header::CONTENT_DISPOSITION,
            &content_disposition(&a.name),
        );
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        blob.reader,
        64 * 1024,
    ));
    Ok((response_headers, body).into_response())
}

/// `attachment; filename="…"; filename*=UTF-8''…`: the name exactly (RFC 5987 / 6266), with an
/// ASCII stand-in for old clients. Safe for any name: nothing in it can end the header field.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if keep {
            encoded.push(byte as char);
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        assert_eq!(
            content_disposition("ticket.pdf"),
            "attachment; filename=\"ticket.pdf\"; filename*=UTF-8''ticket.pdf"
        );
        let tricky = "Résumé \"final\" 100%.pdf";
        let value = content_disposition(tricky);
        assert_eq!(
            value,
            "attachment; filename=\"R_sum_ _final_ 100_.pdf\"; \
             filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20100%25.pdf"
        );
        assert!(HeaderValue::from_str(&value).is_ok());
        assert!(HeaderValue::from_str(&content_disposition("a\r\nSet-Cookie: x")).is_ok());
        assert!(HeaderValue::from_str(&content_disposition("📄;x=\\y")).is_ok());
    }
}
