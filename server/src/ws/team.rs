//! Team-only frames of a session: the business inbox, assignment, status, labels, notes, the
//! customer panel and teammates' activity. Every one checks team membership in the database at
//! the time of the frame, so a removed agent is refused from the next frame on.

use super::session::{End, Session};
use crate::hub::{Outbound, encode};
use crate::store::{StoreError, Tx, business, inbox, reads};
use axum::extract::ws::Message;
use futures_util::Sink;
use kontor_protocol::business::{Activity, InboxCursor, InboxFilter, InboxItem};
use kontor_protocol::{BusinessId, ConversationId, NoteId, RequestId, ServerFrame, UserId};

fn error_frame(e: &StoreError, request_id: Option<RequestId>) -> ServerFrame {
    let (code, message) = e.wire();
    ServerFrame::Error {
        code,
        message,
        message_id: None,
        request_id,
    }
}

/// Outsiders are told "not found", never whether the business or conversation exists.
fn hide_from_outsiders(e: StoreError) -> StoreError {
    match e {
        StoreError::Forbidden(_) => StoreError::NotFound,
        other => other,
    }
}

impl<S: Sink<Message> + Unpin> Session<S> {
    pub(super) async fn inbox(
        &mut self,
        request_id: RequestId,
        business: BusinessId,
        filter: InboxFilter,
        before: Option<InboxCursor>,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let found = self
            .state
            .store
            .read(move |c| {
                if business::role(c, business, user)?.is_none() {
                    return Err(StoreError::NotFound);
                }
                inbox::page(c, business, user, &filter, before)
            })
            .await;
        let frame = match found {
            Ok((items, counts, next)) => ServerFrame::InboxPage {
                request_id,
                business,
                items,
                counts,
                next,
            },
            Err(e) => error_frame(&e, Some(request_id)),
        };
        self.send(&frame).await
    }

    /// Runs a team write; success reaches every teammate as an `inbox_item`, failure only me.
    pub(super) async fn team_write(
        &mut self,
        request_id: RequestId,
        work: impl FnOnce(&mut Tx<'_>) -> Result<InboxItem, StoreError> + Send + 'static,
    ) -> Result<(), End> {
        match self.state.store.transact(work).await {
            Ok(_) => Ok(()),
            Err(e) => {
                self.send(&error_frame(&hide_from_outsiders(e), Some(request_id)))
                    .await
            }
        }
    }

    pub(super) async fn add_note(
        &mut self,
        id: NoteId,
        conversation_id: ConversationId,
        body: String,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let result = self
            .state
            .store
            .transact(move |tx| inbox::add_note(tx, user, conversation_id, id, &body))
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => self.send(&error_frame(&e, None)).await,
        }
    }

    /// Reads something of a customer conversation for a team member; anyone else is told
    /// "not found".
    async fn team_read<T: Send + 'static>(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
        read: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
        answer: impl FnOnce(T) -> ServerFrame,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let found = self
            .state
            .store
            .read(move |c| {
                if !reads::audience(c, conversation_id)?.is_team(user) {
                    return Err(StoreError::NotFound);
                }
                read(c)
            })
            .await;
        let frame = match found {
            Ok(value) => answer(value),
            Err(e) => error_frame(&e, Some(request_id)),
        };
        self.send(&frame).await
    }

    pub(super) async fn notes(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
    ) -> Result<(), End> {
        self.team_read(
            request_id,
            conversation_id,
            move |c| inbox::notes(c, conversation_id),
            |notes| ServerFrame::Notes {
                request_id,
                conversation_id,
                notes,
            },
        )
        .await
    }

    pub(super) async fn customer(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
    ) -> Result<(), End> {
        self.team_read(
            request_id,
            conversation_id,
            move |c| {
                let item = inbox::item(c, conversation_id)?.ok_or(StoreError::NotFound)?;
                let conversation =
                    reads::conversation(c, conversation_id)?.ok_or(StoreError::NotFound)?;
                let panel = inbox::customer_panel(c, &item)?;
                Ok((conversation, item, panel))
            },
            |(conversation, item, panel)| ServerFrame::Customer {
                request_id,
                conversation,
                item,
                panel,
            },
        )
        .await
    }

    pub(super) async fn activity(
        &mut self,
        conversation_id: ConversationId,
        activity: Activity,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let audience = self
            .state
            .store
            .read(move |c| reads::audience(c, conversation_id))
            .await;
        let audience = match audience {
            Ok(a) if a.is_team(user) => a,
            Ok(_) => return self.send(&error_frame(&StoreError::NotFound, None)).await,
            Err(e) => {
                tracing::warn!("activity lookup failed: {e}");
                return Ok(());
            }
        };
        let others: Vec<UserId> = audience
            .team
            .iter()
            .copied()
            .filter(|u| *u != user)
            .collect();
        let frame = ServerFrame::Activity {
            conversation_id,
            user: self.me.clone(),
            activity,
        };
        self.state
            .hub
            .publish(&others, Outbound::Frame(encode(&frame)), None);
        Ok(())
    }
}
