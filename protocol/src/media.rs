//! Attachments: photos, documents and voice notes.
//!
//! Files travel over HTTP, never the WebSocket: the client opens an upload (`POST /api/uploads`),
//! sends it in chunks at the offset the server says it has (`PUT /api/uploads/{id}?offset=N`, so
//! an interrupted upload resumes), completes it (`POST /api/uploads/{id}/complete`) and only then
//! sends the message that refers to the attachment. Downloads need the session token and
//! membership of the conversation (`GET /api/attachments/{id}?variant=…`).

use crate::{AttachmentId, ConversationId, UploadId};
use serde::{Deserialize, Serialize};

/// Largest file, in bytes (100 MiB).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;
/// Size of each upload chunk the client sends, in bytes (the last may be shorter).
pub const UPLOAD_CHUNK_BYTES: u64 = 1024 * 1024;
/// Most pixels a photo may have (larger ones are refused before they are decoded).
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
/// Longest file name kept, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// Longest voice note, in milliseconds (15 minutes).
pub const MAX_VOICE_MS: u32 = 15 * 60 * 1000;

/// Media types of the photos the server decodes and shows inline; any other file is a document.
pub const PHOTO_MIME_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "image/gif"];

/// Whether a file of this (lower-case) media type is sent as a photo.
pub fn is_photo_mime(mime: &str) -> bool {
    PHOTO_MIME_TYPES.contains(&mime)
}

/// What an attachment is, which decides how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// JPEG, PNG, WebP or GIF, shown inline with a thumbnail.
    Photo,
    /// Any other file, offered for download.
    Document,
    /// Recorded in the browser, played inline.
    Voice,
}

impl AttachmentKind {
    /// What a chat list shows for a message that has no caption.
    pub fn summary(self, name: &str) -> String {
        match self {
            AttachmentKind::Photo => "Photo".to_owned(),
            AttachmentKind::Voice => "Voice note".to_owned(),
            AttachmentKind::Document => format!("File: {name}"),
        }
    }
}

/// Which rendition of an attachment to download.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// The file as uploaded (photos: re-encoded without location data).
    #[default]
    Original,
    /// Photos: at most 1280 px on the long side.
    Preview,
    /// Photos: at most 320 px on the long side.
    Thumb,
}

impl Variant {
    /// The query value (`original`, `preview`, `thumb`).
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::Preview => "preview",
            Variant::Thumb => "thumb",
        }
    }
}

/// A stored attachment, as messages carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Stable id; downloads need it plus membership of the conversation.
    pub id: AttachmentId,
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// The file name, cleaned of paths and control characters.
    pub name: String,
    /// Media type (for photos, as detected from the bytes).
    pub mime: String,
    /// Size of the original, in bytes.
    pub size: u64,
    /// Photos: width of the original, in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Photos: height of the original, in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Voice notes: length, as the recording browser measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
}

/// `POST /api/uploads`: announce a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUpload {
    /// Where it will be sent (the caller must be able to write there).
    pub conversation_id: ConversationId,
    /// The file's name.
    pub name: String,
    /// The media type the browser gives.
    pub mime: String,
    /// Its size in bytes.
    pub size: u64,
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// Voice notes: their length.
    #[serde(default)]
    pub duration_ms: Option<u32>,
}

/// Where an upload stands (`POST /api/uploads`, `GET`/`PUT /api/uploads/{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// The upload.
    pub id: UploadId,
    /// Bytes the server has stored: the next chunk starts here.
    pub received: u64,
    /// The announced size.
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_round_trip_without_empty_fields() {
        let a = Attachment {
            id: AttachmentId::new(),
            kind: AttachmentKind::Document,
            name: "ticket.pdf".into(),
            mime: "application/pdf".into(),
            size: 1234,
            width: None,
            height: None,
            duration_ms: None,
        };
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("width"));
        assert!(json.contains("\"document\""));
        assert_eq!(serde_json::from_str::<Attachment>(&json).unwrap(), a);
    }
}
