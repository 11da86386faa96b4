//! What the engine does with each server frame.

use super::tabs::{RelayError, TabMessage};
use super::{ConnStatus, Engine, Problem, SyncError};
use crate::store::Received;

/// Share of the quota above which old messages are evicted.
const STORAGE_FULL_RATIO: f64 = 0.9;
/// Newest messages kept per conversation when evicting.
const KEEP_PER_CONVERSATION: u64 = 200;
use kontor_protocol::{ClientFrame, ReceiptKind, ServerFrame};
use leptos::prelude::*;
use std::sync::atomic::Ordering;

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

impl Engine {
    /// Stores messages from the server (live or a catch-up page), acknowledges their delivery and
    /// notifies about them when the page is hidden.
    pub(super) async fn on_messages(self: &std::sync::Arc<Self>, received: Received) {
        match self.db.apply_received(&received).await {
            Ok(fresh) => {
                self.bump();
                if self.is_online() && crate::pwa::page_hidden() {
                    self.notify(received.messages(), &fresh).await;
                }
                for (conversation_id, seq) in fresh {
                    self.push_frame(ClientFrame::Receipt {
                        conversation_id,
                        kind: ReceiptKind::Delivered,
                        seq,
                    });
                    self.typing
                        .update(|t| t.retain(|t| t.conversation_id != conversation_id));
                }
                self.read_open_conversation().await;
            }
            Err(e) => self.report(e),
        }
    }

    /// Applies one frame to the local database and the UI state, in arrival order.
    pub(super) async fn on_frame(self: &std::sync::Arc<Self>, frame: ServerFrame) {
        match frame {
            ServerFrame::Ready { .. } | ServerFrame::Pong { .. } => {}
            ServerFrame::Conversation { pos, conversation } => {
                let _ = self.stored(self.db.apply_conversation(&conversation, pos).await);
            }
            ServerFrame::Messages { messages } => self.on_messages(messages.into()).await,
            ServerFrame::SyncDone { pos } => {
                if let Err(e) = self.db.set_cursor(pos).await {
                    self.report(e);
                }
                self.online.store(true, Ordering::Relaxed);
                self.set_status(ConnStatus::Online);
                self.flush_outbox().await;
                self.resume_uploads();
                self.read_open_conversation().await;
                self.keep_storage_in_bounds().await;
            }
            ServerFrame::Ack {
                id,
                seq,
                pos,
                sent_at,
                ..
            } => {
                let _ = self.stored(self.db.apply_ack(id, seq, pos, sent_at).await);
            }
            frame @ ServerFrame::Receipt { .. } => {
                if let Some(mark) = super::reader::receipt_mark(&frame) {
                    self.on_receipts(vec![mark]).await;
                }
            }
            ServerFrame::ChatStarted {
                request_id,
                pos,
                conversation,
            } => {
                let stored = self.db.apply_conversation(&conversation, pos).await;
                let answer = self.stored(stored).map(|()| ServerFrame::ChatStarted {
                    request_id,
                    pos,
                    conversation,
                });
                self.answer(request_id, answer);
            }
            ServerFrame::History {
                request_id,
                conversation_id,
                messages,
            } => {
                let stored = self.db.store_history(conversation_id, &messages).await;
                // The messages are in the database now; the answer need not carry them.
                let answer = self.stored(stored).map(|()| ServerFrame::History {
                    request_id,
                    conversation_id,
                    messages: Vec::new(),
                });
                self.answer(request_id, answer);
            }
            ServerFrame::Customer {
                request_id,
                conversation,
                item,
                panel,
            } => {
                // An inbox conversation this device may never have seen: keep it locally so the
                // conversation view can show it (without moving the cursor).
                let stored = self
                    .db
                    .apply_conversation(&conversation, kontor_protocol::Pos(0))
                    .await;
                let answer = self.stored(stored).map(|()| ServerFrame::Customer {
                    request_id,
                    conversation,
                    item,
                    panel,
                });
                self.answer(request_id, answer);
            }
            ServerFrame::InboxPage { request_id, .. } | ServerFrame::Notes { request_id, .. } => {
                self.answer(request_id, Ok(frame));
            }
            ServerFrame::InboxItem { .. }
            | ServerFrame::Note { .. }
            | ServerFrame::Activity { .. }
            | ServerFrame::AccessRevoked { .. } => {
                self.hear(&frame);
                self.tabs.post(&TabMessage::Live { frame });
            }
            ServerFrame::Typing {
                conversation_id,
                user_id,
            } => {
                self.show_typing(conversation_id, user_id);
                self.tabs.post(&TabMessage::Typing {
                    conversation_id,
                    user_id,
                });
            }
            ServerFrame::Error {
                code,
                message,
                message_id,
                request_id,
                retry_after_ms,
            } => {
                if let Some(request_id) = request_id {
                    // Fire-and-forget team writes learn of refusals through the listeners.
                    let live = ServerFrame::Error {
                        code,
                        message: message.clone(),
                        message_id: None,
                        request_id: Some(request_id),
                        retry_after_ms,
                    };
                    self.hear(&live);
                    self.tabs.post(&TabMessage::Live { frame: live });
                    self.answer(request_id, Err(SyncError::Refused { code, message }));
                } else if let Some(id) = message_id {
                    if let Some(wait) = retry_after_ms {
                        // Sent too fast: stays pending and goes again once the server allows.
                        self.resend_later(id, wait);
                    } else if code.is_transient() {
                        // Stays pending; resent after the next catch-up.
                        web_sys::console::warn_1(&format!("Kontor: will retry: {message}").into());
                    } else if self.db.set_failed(id, Some(message)).await.is_ok() {
                        self.bump();
                    }
                } else {
                    web_sys::console::warn_1(&format!("Kontor server: {message}").into());
                }
            }
        }
    }

    /// Sends a still-pending message again once the server allows: after the wait it named
    /// for this message (refusals in a row are told waits one message-interval apart, so each
    /// goes through at its first retry, in order).
    fn resend_later(self: &std::sync::Arc<Self>, id: kontor_protocol::MessageId, wait_ms: u64) {
        let engine = self.clone();
        let wait = u32::try_from(wait_ms).unwrap_or(u32::MAX);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(wait).await;
            if let Ok(outbox) = engine.db.outbox().await
                && let Some(rec) = outbox
                    .into_iter()
                    .find(|r| r.id == id && r.failed.is_none() && r.ready())
            {
                engine.push_frame(rec.frame());
            }
        });
    }

    /// Receipts in one transaction (a catch-up carries one per conversation that moved).
    pub(super) async fn on_receipts(&self, batch: Vec<crate::store::ReceiptMark>) {
        let _ = self.stored(self.db.apply_receipts(&batch).await);
    }

    /// Conversation snapshots in one transaction (the start of a catch-up).
    pub(super) async fn on_conversations(
        &self,
        batch: Vec<(kontor_protocol::Conversation, kontor_protocol::Pos)>,
    ) {
        let _ = self.stored(self.db.apply_conversations(&batch).await);
    }

    /// After a local write: the UI re-reads on success; a failure is shown and returned.
    fn stored(&self, result: Result<(), crate::store::StoreError>) -> Result<(), SyncError> {
        match result {
            Ok(()) => {
                self.bump();
                Ok(())
            }
            Err(e) => {
                self.report(e.clone());
                Err(e.into())
            }
        }
    }

    fn answer(&self, request_id: kontor_protocol::RequestId, answer: super::Answer) {
        let waiting = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&request_id);
        match waiting {
            Some(tx) => {
                let _ = tx.send(answer);
            }
            // Asked by another tab.
            None => match relayed(answer) {
                Some(result) => self.tabs.post(&TabMessage::Answer { request_id, result }),
                None => web_sys::console::error_1(
                    &format!("Kontor: an answer for another tab cannot cross: {request_id}").into(),
                ),
            },
        }
    }

    /// Sends every unsent message, oldest first, and receipts the server has not confirmed.
    async fn flush_outbox(&self) {
        match self.db.outbox().await {
            Ok(outbox) => {
                // Messages whose file is still uploading go out when the upload completes.
                for rec in outbox
                    .into_iter()
                    .filter(|r| r.failed.is_none() && r.ready())
                {
                    self.push_frame(rec.frame());
                }
            }
            Err(e) => self.report(e),
        }
        match self.db.unreported_receipts().await {
            Ok(receipts) => {
                for (conversation_id, delivered, read) in receipts {
                    for (kind, seq) in [
                        (ReceiptKind::Delivered, delivered),
                        (ReceiptKind::Read, read),
                    ] {
                        if seq.0 > 0 {
                            self.push_frame(ClientFrame::Receipt {
                                conversation_id,
                                kind,
                                seq,
                            });
                        }
                    }
                }
            }
            Err(e) => self.report(e),
        }
    }

    /// A notification per conversation with new messages, while the page is not on screen.
    /// Only live messages notify: a catch-up after a week away does not ring a hundred times.
    async fn notify(
        &self,
        messages: &[kontor_protocol::Message],
        fresh: &std::collections::BTreeMap<kontor_protocol::ConversationId, kontor_protocol::Seq>,
    ) {
        for (conversation_id, seq) in fresh {
            let Some(m) = messages
                .iter()
                .find(|m| m.conversation_id == *conversation_id && m.seq == *seq)
            else {
                continue;
            };
            let title = match self.db.conversation(*conversation_id).await {
                Ok(Some(c)) => c.title,
                _ => "Kontor".to_string(),
            };
            crate::pwa::notify(
                &title,
                &kontor_protocol::text::preview_of(&m.body),
                &conversation_id.to_string(),
                format!("/chats/{conversation_id}"),
            );
        }
    }

    /// When the browser's quota is nearly used up, old messages of long chats leave this device
    /// (they load again from the server); unsent messages never do.
    async fn keep_storage_in_bounds(&self) {
        let Some((usage, quota)) = crate::pwa::storage_estimate().await else {
            return;
        };
        if quota <= 0.0 || usage / quota < STORAGE_FULL_RATIO {
            return;
        }
        match self.db.evict_old_messages(KEEP_PER_CONVERSATION).await {
            Ok(0) => {}
            Ok(n) => {
                self.bump();
                self.problem.set(Some(Problem::Evicted(n)));
            }
            Err(e) => self.report(e),
        }
    }

    /// Messages arriving in the conversation on screen are read at once.
    async fn read_open_conversation(&self) {
        if let Some(id) = self.open_conversation.get_untracked()
            && page_visible()
        {
            self.mark_read(id).await;
        }
    }
}

/// An answer as it crosses to the tab that asked: only a frame, a refusal or a storage failure
/// are made here (the others happen in the asking tab itself).
fn relayed(answer: super::Answer) -> Option<Result<ServerFrame, RelayError>> {
    match answer {
        Ok(frame) => Some(Ok(frame)),
        Err(SyncError::Refused { code, message }) => {
            Some(Err(RelayError::Refused { code, message }))
        }
        Err(SyncError::Storage(e)) => Some(Err(RelayError::Storage(e))),
        Err(_) => None,
    }
}
