//! What a connection sends: catch-up in byte-bounded pages, queued live events packed into
//! frames, refusals, and every socket write under the slow-client deadline.

use super::session::{End, Session};
use crate::hub::{Outbound, Registration, encode};
use crate::service::{ServiceError, messaging};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt};
use kontor_protocol::limits::{SYNC_FRAME_BYTES, SYNC_PAGE};
use kontor_protocol::packed::{EncodedMessage, PackedMessages, frames_within};
use kontor_protocol::{Pos, RequestId, ServerFrame, User};
use std::sync::Arc;
use std::time::Duration;

/// Bytes handed to the socket between flushes, so its write buffer never grows past what it
/// takes (a frame is at most [`SYNC_FRAME_BYTES`]).
const FLUSH_BYTES: usize = 128 * 1024;
/// Most queued frames sent in one go before the socket's reads get their turn.
const DRAIN_MAX: usize = 512;

/// Runs a socket write, giving up after `limit`. Most writes finish at once: only one that has to
/// wait for the client gets a timer (a timer for each of tens of thousands of writes a second
/// cost measurable throughput).
async fn within<E>(limit: Duration, write: impl Future<Output = Result<(), E>>) -> Result<(), End> {
    let mut write = std::pin::pin!(write);
    if let Some(done) = futures_util::FutureExt::now_or_never(write.as_mut()) {
        return done.map_err(|_| End);
    }
    match tokio::time::timeout(limit, write).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(End),
    }
}

impl<S: Sink<Message> + Unpin> Session<S> {
    /// Sends one frame and flushes.
    pub(super) async fn send(&mut self, frame: &ServerFrame) -> Result<(), End> {
        self.send_text(encode(frame)).await
    }

    /// Sends JSON text and flushes.
    pub(super) async fn send_text(&mut self, text: Utf8Bytes) -> Result<(), End> {
        self.feed(text).await?;
        self.flush().await
    }

    /// Hands a frame to the socket, flushing first when enough waits already. A client that
    /// does not take it within the write timeout is dropped: it reconnects and resumes.
    pub(super) async fn feed(&mut self, text: Utf8Bytes) -> Result<(), End> {
        if self.unflushed >= FLUSH_BYTES {
            self.flush().await?;
        }
        self.unflushed += text.len();
        within(self.write_timeout, self.sink.feed(Message::Text(text))).await
    }

    pub(super) async fn flush(&mut self) -> Result<(), End> {
        self.unflushed = 0;
        within(self.write_timeout, self.sink.flush()).await
    }

    /// Sends a refusal about a message or a request.
    pub(super) async fn refuse(
        &mut self,
        error: &ServiceError,
        message_id: Option<kontor_protocol::MessageId>,
        request_id: Option<RequestId>,
    ) -> Result<(), End> {
        self.send(&error.frame(message_id, request_id)).await
    }

    /// Sends `first` and what else is already queued for this connection (up to [`DRAIN_MAX`]
    /// frames, so reading gets its turn), packing consecutive new messages into one `messages`
    /// frame of at most [`SYNC_PAGE`] messages, and flushes the socket once at the end. Events
    /// up to `high` were part of the catch-up and are skipped.
    pub(super) async fn deliver(
        &mut self,
        first: Outbound,
        queue: &mut Registration,
        high: Pos,
    ) -> Result<(), End> {
        let mut pack: Vec<Arc<[EncodedMessage]>> = Vec::new();
        // What `pack` holds: bytes (with separators) and messages.
        let (mut packed_bytes, mut packed_count) = (0, 0);
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(out) = next.take() {
            taken += 1;
            match out {
                Outbound::Event { pos, .. } | Outbound::Messages { pos, .. } if pos <= high => {}
                Outbound::Messages {
                    messages, bytes, ..
                } => {
                    if packed_bytes + bytes > SYNC_FRAME_BYTES {
                        self.feed_pack(&mut pack).await?;
                        (packed_bytes, packed_count) = (0, 0);
                    }
                    packed_count += messages.len();
                    pack.push(messages);
                    packed_bytes += bytes;
                    if packed_count >= SYNC_PAGE {
                        self.feed_pack(&mut pack).await?;
                        (packed_bytes, packed_count) = (0, 0);
                    }
                }
                Outbound::Event { text, .. } | Outbound::Frame(text) => {
                    self.feed_pack(&mut pack).await?;
                    (packed_bytes, packed_count) = (0, 0);
                    self.feed(text).await?;
                }
                Outbound::Close { code, reason } => {
                    self.feed_pack(&mut pack).await?;
                    self.close(code, reason).await;
                    return Err(End);
                }
            }
            if taken < DRAIN_MAX {
                next = queue.try_recv();
            }
        }
        self.feed_pack(&mut pack).await?;
        self.flush().await
    }

    /// Queues the packed messages, if any, as one frame (a single event bigger than a frame
    /// may hold, which cannot happen within the body limit, would still go whole).
    pub(super) async fn feed_pack(
        &mut self,
        pack: &mut Vec<Arc<[EncodedMessage]>>,
    ) -> Result<(), End> {
        if pack.is_empty() {
            return Ok(());
        }
        let frame = PackedMessages {
            messages: pack
                .iter()
                .flat_map(|m| m.iter().map(AsRef::as_ref))
                .collect(),
        }
        .to_json();
        pack.clear();
        self.feed(frame.into()).await
    }

    /// Sends a close frame, giving up after the write timeout.
    pub(super) async fn close(&mut self, code: u16, reason: &'static str) {
        let close = Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        }));
        let _ = tokio::time::timeout(self.write_timeout, self.sink.send(close)).await;
    }

    /// Sends what the client missed: changed conversations, then messages in pages, in order.
    pub(super) async fn catch_up(&mut self, user: &User, since: Pos, high: Pos) -> Result<(), End> {
        let user_id = user.id;
        let db = self.state.db.clone();
        let conversations = db
            .read(move |d| messaging::changed_conversations(d, user_id, since))
            .await
            .map_err(|e| tracing::error!("catch-up failed: {e}"))
            .map_err(|_| End)?;
        for conversation in conversations {
            // Snapshots carry the client's own cursor: they must not move it past messages that
            // are still to come in this catch-up.
            self.send(&ServerFrame::Conversation {
                pos: since,
                conversation,
            })
            .await?;
        }
        let mut after = since;
        loop {
            let page = db
                .read(move |d| messaging::missed_messages(d, user_id, after, high, SYNC_PAGE))
                .await
                .map_err(|e| tracing::error!("catch-up failed: {e}"))
                .map_err(|_| End)?;
            let Some(last) = page.last() else { break };
            after = last.pos;
            let full = page.len() == SYNC_PAGE;
            self.send_page(&page).await?;
            if !full {
                break;
            }
        }
        self.send(&ServerFrame::SyncDone {
            pos: high.max(since),
        })
        .await
    }

    /// Sends messages as `messages` frames of at most [`SYNC_FRAME_BYTES`] each.
    pub(super) async fn send_page(&mut self, page: &[kontor_protocol::Message]) -> Result<(), End> {
        let frames = frames_within(page, SYNC_FRAME_BYTES).map_err(|e| {
            tracing::error!("could not encode messages: {e}");
            End
        })?;
        for frame in frames {
            self.feed(frame.into()).await?;
        }
        self.flush().await
    }
}
