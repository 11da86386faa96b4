//! Team-only frames of a session: the business inbox, assignment, status, labels, notes, the
//! customer panel and teammates' activity. Decodes and answers; the rules (membership checked in
//! the database at the time of the frame, so a removed agent is refused from the next frame on)
//! are in [`crate::service::inbox`].

use super::session::{End, Session};
use crate::db::Tx;
use crate::service::{ServiceError, ServiceResult, inbox};
use axum::extract::ws::Message;
use futures_util::Sink;
use kontor_protocol::business::{Activity, InboxCursor, InboxFilter, InboxItem};
use kontor_protocol::{BusinessId, ConversationId, NoteId, RequestId, ServerFrame};

fn error_frame(e: &ServiceError, request_id: Option<RequestId>) -> ServerFrame {
    e.frame(None, request_id)
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
            .db
            .read(move |d| inbox::page(d, business, user, &filter, before))
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
        work: impl FnOnce(&mut Tx<'_>) -> ServiceResult<InboxItem> + Send + 'static,
    ) -> Result<(), End> {
        match self.state.db.transact(work).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = inbox::hide_from_outsiders(e);
                self.send(&error_frame(&e, Some(request_id))).await
            }
        }
    }

    pub(super) async fn add_note(
        &mut self,
        id: NoteId,
        conversation_id: ConversationId,
        body: String,
    ) -> Result<(), End> {
        let (user, hub) = (self.origin.user, self.state.hub.clone());
        let result = self
            .state
            .db
            .transact(move |tx| inbox::add_note(tx, &hub, user, conversation_id, id, &body))
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => self.send(&error_frame(&e, None)).await,
        }
    }

    pub(super) async fn notes(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let found = self
            .state
            .db
            .read(move |d| inbox::notes(d, user, conversation_id))
            .await;
        let frame = match found {
            Ok(notes) => ServerFrame::Notes {
                request_id,
                conversation_id,
                notes,
            },
            Err(e) => error_frame(&e, Some(request_id)),
        };
        self.send(&frame).await
    }

    pub(super) async fn customer(
        &mut self,
        request_id: RequestId,
        conversation_id: ConversationId,
    ) -> Result<(), End> {
        let user = self.origin.user;
        let found = self
            .state
            .db
            .read(move |d| inbox::customer(d, user, conversation_id))
            .await;
        let frame = match found {
            Ok((conversation, item, panel)) => ServerFrame::Customer {
                request_id,
                conversation,
                item,
                panel,
            },
            Err(e) => error_frame(&e, Some(request_id)),
        };
        self.send(&frame).await
    }

    pub(super) async fn activity(
        &mut self,
        conversation_id: ConversationId,
        activity: Activity,
    ) -> Result<(), End> {
        let audience = self
            .state
            .db
            .read(move |d| crate::service::messaging::audience(d, conversation_id))
            .await;
        let audience = match audience {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("activity lookup failed: {e}");
                return Ok(());
            }
        };
        match inbox::activity(
            &self.state.hub,
            &audience,
            &self.me,
            conversation_id,
            activity,
        ) {
            Ok(()) => Ok(()),
            Err(e) => self.send(&error_frame(&e, None)).await,
        }
    }
}
