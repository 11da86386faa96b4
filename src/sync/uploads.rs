//! Sending files: each file waits in IndexedDB (the outbox entry plus the Blob) and uploads over
//! HTTP in chunks from the offset the server reports, so a dropped connection or a reload
//! resumes where it stopped. The message that refers to the file goes out only after the upload
//! completed.

use super::http::{Req, fetch};
use super::{Engine, Invalid, SyncError, SyncResult};
use crate::store::{OutboxRecord, PendingUpload};
use kontor_protocol::media::{
    Attachment, AttachmentKind, MAX_UPLOAD_BYTES, NewUpload, UPLOAD_CHUNK_BYTES, UploadState,
    is_photo_mime,
};
use kontor_protocol::{ConversationId, MessageId, UploadId};
use leptos::prelude::*;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wasm_bindgen::JsCast;

/// How often one upload may ask the server where it stands (its offset was not the server's)
/// before it waits for the next try: a server that keeps disagreeing is not looped on.
const MAX_UPLOAD_RESYNCS: u32 = 5;

/// A file the user chose, dropped, pasted or recorded.
pub struct NewFile {
    /// The bytes.
    pub blob: web_sys::Blob,
    /// Its name.
    pub name: String,
    /// Photo, document or voice note.
    pub kind: AttachmentKind,
    /// Voice notes: length.
    pub duration_ms: Option<u32>,
}

impl NewFile {
    /// A picked or dropped file; images the server can show inline become photos.
    pub fn from_file(file: web_sys::File) -> Self {
        let mime = file.type_();
        let kind = if is_photo_mime(&mime) {
            AttachmentKind::Photo
        } else {
            AttachmentKind::Document
        };
        Self {
            name: file.name(),
            blob: file.unchecked_into(),
            kind,
            duration_ms: None,
        }
    }
}

/// Why an upload stopped.
enum Stop {
    /// The server refused the file: the message fails with this reason.
    Refused(String),
    /// Network trouble or the server is restarting: try again later.
    Later,
    /// The server holds a different offset (a lost answer): ask where it stands.
    Resync,
}

/// Sends an upload request and reads its JSON answer, sorting failures by what to do next.
async fn call<T: serde::de::DeserializeOwned>(req: Req<'_>) -> Result<T, Stop> {
    fetch(req).await.map_err(|e| match e {
        SyncError::HttpRefused { status: 409, .. } => Stop::Resync,
        SyncError::HttpRefused {
            status: 408 | 429 | 500..=599,
            ..
        } => Stop::Later,
        SyncError::HttpRefused {
            message: Some(why), ..
        } => Stop::Refused(why),
        SyncError::HttpRefused { status, .. } => {
            Stop::Refused(format!("The server refused the file ({status})."))
        }
        _ => Stop::Later,
    })
}

/// Where an upload stands on the server.
async fn state_of(
    token: &kontor_protocol::SessionToken,
    id: UploadId,
) -> Result<UploadState, Stop> {
    match call(Req::get(&format!("/api/uploads/{id}")).token(token)).await {
        Err(Stop::Resync) => Err(Stop::Later),
        other => other,
    }
}

impl Engine {
    /// Queues files for a conversation (the caption goes with the first) and starts uploading.
    pub async fn send_files(
        self: &Arc<Self>,
        conversation_id: ConversationId,
        files: Vec<NewFile>,
        caption: String,
    ) -> SyncResult<()> {
        let mut caption = Some(caption);
        for file in files {
            let size = file.blob.size() as u64;
            if size == 0 {
                return Err(Invalid::EmptyFile(file.name).into());
            }
            if size > MAX_UPLOAD_BYTES {
                return Err(Invalid::FileTooBig(file.name).into());
            }
            let rec = OutboxRecord {
                id: MessageId::new(),
                conversation_id,
                body: caption.take().unwrap_or_default(),
                queued_at: js_sys::Date::now(),
                failed: None,
                upload: Some(PendingUpload {
                    kind: file.kind,
                    name: file.name.clone(),
                    mime: file.blob.type_(),
                    size,
                    duration_ms: file.duration_ms,
                    upload_id: None,
                    received: 0,
                    attachment: None,
                }),
            };
            if let Err(e) = self.db.queue_upload(&rec, &file.blob).await {
                self.report(e.clone());
                return Err(e.into());
            }
            self.upload_progress
                .update(|p| _ = p.insert(rec.id, (0, size)));
            self.bump();
            self.note_sent(conversation_id);
        }
        self.resume_uploads();
        Ok(())
    }

    /// Uploads every unfinished file, one at a time (again when called while running). Only the
    /// leader tab uploads, so two tabs never send the same file.
    pub fn resume_uploads(self: &Arc<Self>) {
        if !self.is_leader() {
            self.tabs.post(&super::tabs::TabMessage::Uploads);
            return;
        }
        if self.uploading.swap(true, Ordering::AcqRel) {
            self.uploads_again.store(true, Ordering::Release);
            return;
        }
        let engine = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                engine.uploads_again.store(false, Ordering::Release);
                engine.upload_all().await;
                if !engine.uploads_again.load(Ordering::Acquire) {
                    break;
                }
            }
            engine.uploading.store(false, Ordering::Release);
        });
    }

    async fn upload_all(self: &Arc<Self>) {
        let Ok(outbox) = self.db.outbox().await else {
            return;
        };
        for rec in outbox {
            let Some(upload) = rec.upload.clone() else {
                continue;
            };
            if rec.failed.is_some() {
                continue;
            }
            if upload.attachment.is_some() {
                // Uploaded, but the message may not have gone out (reload in between).
                self.send_frame(rec.frame());
                continue;
            }
            match self.upload_one(&rec, upload).await {
                Ok(attachment) => {
                    let done = self
                        .db
                        .update_upload(rec.id, |u| u.attachment = Some(attachment))
                        .await;
                    self.upload_progress.update(|p| _ = p.remove(&rec.id));
                    match done {
                        Ok(Some(rec)) => {
                            self.bump();
                            self.send_frame(rec.frame());
                        }
                        Ok(None) => {} // Cancelled meanwhile.
                        Err(e) => self.report(e),
                    }
                }
                Err(Stop::Refused(why)) => {
                    self.upload_progress.update(|p| _ = p.remove(&rec.id));
                    if self.db.set_failed(rec.id, Some(why)).await.is_ok() {
                        self.bump();
                    }
                }
                // Offline or the server is away: the next catch-up resumes.
                Err(Stop::Later | Stop::Resync) => return,
            }
        }
    }

    async fn upload_one(
        &self,
        rec: &OutboxRecord,
        mut upload: PendingUpload,
    ) -> Result<Attachment, Stop> {
        let Some(blob) = self
            .db
            .upload_blob(rec.id)
            .await
            .map_err(|e| Stop::Refused(e.to_string()))?
        else {
            return Err(Stop::Refused(
                "The file is no longer on this device.".into(),
            ));
        };
        let token = self.token.clone();
        // Announce once; afterwards ask where it stands (another tab or a reload may have sent
        // more than this device wrote down).
        let state: UploadState = match upload.upload_id {
            None => {
                let announce = NewUpload {
                    conversation_id: rec.conversation_id,
                    name: upload.name.clone(),
                    mime: upload.mime.clone(),
                    size: upload.size,
                    kind: upload.kind,
                    duration_ms: upload.duration_ms,
                };
                let req = Req::post("/api/uploads").token(&token).json(&announce);
                let state: UploadState = call(req).await?;
                upload.upload_id = Some(state.id);
                let id = state.id;
                let _ = self
                    .db
                    .update_upload(rec.id, |u| u.upload_id = Some(id))
                    .await;
                state
            }
            Some(id) => state_of(&token, id).await?,
        };
        let id = state.id;
        let mut received = state.received;
        let mut resyncs = 0;
        while received < upload.size {
            if self.stopped.load(Ordering::Relaxed) {
                return Err(Stop::Later);
            }
            let end = (received + UPLOAD_CHUNK_BYTES).min(upload.size);
            let chunk = blob
                .slice_with_f64_and_f64(received as f64, end as f64)
                .map_err(|_| Stop::Refused("The file could not be read.".into()))?;
            let req = Req::put(&format!("/api/uploads/{id}?offset={received}"))
                .token(&token)
                .blob(&chunk);
            let state: UploadState = match call(req).await {
                Err(Stop::Resync) if resyncs < MAX_UPLOAD_RESYNCS => {
                    resyncs += 1;
                    state_of(&token, id).await?
                }
                Err(Stop::Resync) => return Err(Stop::Later),
                other => other?,
            };
            received = state.received;
            let size = upload.size;
            self.upload_progress
                .update(|p| _ = p.insert(rec.id, (received, size)));
        }
        let _ = self
            .db
            .update_upload(rec.id, |u| u.received = received)
            .await;
        let req = Req::post(&format!("/api/uploads/{id}/complete")).token(&token);
        // Completing twice is safe: the server answers the same attachment.
        match call(req).await {
            Err(Stop::Resync) => Err(Stop::Later),
            other => other,
        }
    }

    /// Stops an upload and deletes its message (before it was sent).
    pub async fn cancel_upload(&self, id: MessageId) {
        let upload_id = self
            .db
            .outbox()
            .await
            .ok()
            .and_then(|o| o.into_iter().find(|r| r.id == id))
            .and_then(|r| r.upload)
            .and_then(|u| u.upload_id);
        if let Some(upload_id) = upload_id {
            let req = Req::delete(&format!("/api/uploads/{upload_id}")).token(&self.token);
            let _ = fetch::<()>(req).await;
        }
        self.upload_progress.update(|p| _ = p.remove(&id));
        self.discard(id).await;
    }
}
