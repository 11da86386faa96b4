//! `/api/uploads/…` and `/api/attachments/…`: resumable uploads and downloads. Decodes the
//! request, calls [`crate::service::media`] (the rules and the upload pipeline), and answers;
//! downloads are streamed here with their caching and safety headers.
//! Docs: `docs/media-api.md`.

use super::current_user::CurrentUser;
use super::{ApiFailure, JsonBody};
use crate::service::{media as rules, uploads};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kontor_protocol::api::ApiErrorCode;
use kontor_protocol::media::{Attachment, NewUpload, UPLOAD_CHUNK_BYTES, UploadState, Variant};
use kontor_protocol::{AttachmentId, UploadId};
use serde::Deserialize;
use std::fmt::Write as _;

/// Largest body of one `PUT` chunk: a chunk plus slack for clients that round differently.
pub const MAX_CHUNK_BODY: usize = UPLOAD_CHUNK_BYTES as usize + 64 * 1024;
/// Bytes read from a blob per streamed piece of a download.
const DOWNLOAD_PIECE: usize = 64 * 1024;

fn not_found(message: &'static str) -> ApiFailure {
    ApiFailure::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, message)
}

/// Ids in paths: anything that is not one is simply not found.
fn upload_id(raw: &str) -> Result<UploadId, ApiFailure> {
    raw.parse().map_err(|_| {
        not_found("No such upload: it was completed, cancelled or has expired. Please start again.")
    })
}

/// `POST /api/uploads`: announces a file.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    JsonBody(req): JsonBody<NewUpload>,
) -> Result<(StatusCode, Json<UploadState>), ApiFailure> {
    let quotas = uploads::Quotas::of(&state.config.limits);
    let created = uploads::create(&state.db, req, user.id, quotas).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `GET /api/uploads/{id}`: where to resume. An upload that was completed already reports all
/// its bytes received, so a client that lost the answer to `complete` simply completes again.
pub async fn state(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<Json<UploadState>, ApiFailure> {
    let id = upload_id(&raw)?;
    Ok(Json(uploads::state(&state.db, id, user.id).await?))
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
    let Query(ChunkQuery { offset }) = query.map_err(|_| {
        ApiFailure::bad(
            ApiErrorCode::BadRequest,
            "Say where this chunk goes: ?offset=N, N being the bytes the server has.",
        )
    })?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ApiErrorCode::TooLarge,
                format!(
                    "Send at most {} KiB per request.",
                    UPLOAD_CHUNK_BYTES / 1024
                ),
            )
        } else {
            ApiFailure::bad(ApiErrorCode::BadRequest, "The chunk did not arrive whole.")
        }
    })?;
    let moved = uploads::put_chunk(&state.db, &state.media, user.id, id, offset, bytes).await?;
    Ok(Json(moved))
}

/// `DELETE /api/uploads/{id}`: cancels an upload and deletes its bytes.
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    let id = upload_id(&raw)?;
    uploads::cancel(&state.db, &state.media, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/uploads/{id}/complete`: checks the file and stores it as an attachment. Completing
/// an upload again answers the attachment it became.
pub async fn complete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(raw): Path<String>,
) -> Result<(StatusCode, Json<Attachment>), ApiFailure> {
    let id = upload_id(&raw)?;
    let attachment = uploads::complete(&state.db, &state.media, user.id, id).await?;
    Ok((StatusCode::CREATED, Json(attachment)))
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
    let id: AttachmentId = raw.parse().map_err(|_| not_found("No such attachment."))?;
    let Query(VariantQuery { variant }) = query.map_err(|_| {
        ApiFailure::bad(
            ApiErrorCode::BadRequest,
            "The variant is original, preview or thumb.",
        )
    })?;
    let found = rules::download(&state.db, user.id, id, variant).await?;
    let hash = found.hash;
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
    set(
        &mut response_headers,
        header::CONTENT_TYPE,
        &found.content_type,
    );
    set(
        &mut response_headers,
        header::CONTENT_LENGTH,
        &blob.len.to_string(),
    );
    if let Some(name) = &found.name {
        set(
            &mut response_headers,
            header::CONTENT_DISPOSITION,
            &content_disposition(name),
        );
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        blob.reader,
        DOWNLOAD_PIECE,
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
