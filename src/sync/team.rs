//! The business team's side of the engine: inbox pages, assignment, status, labels, notes and
//! teammates' activity. Requests go over the one connection (the leader tab's); live team frames
//! reach every tab's listeners.

use super::{Engine, Invalid, Listener, SyncError, SyncResult};
use kontor_protocol::business::{
    Activity, CustomerPanel, InboxCounts, InboxCursor, InboxFilter, InboxItem, InboxStatus, Note,
    Snooze,
};
use kontor_protocol::text::{BodyError, check_body};
use kontor_protocol::{
    BusinessId, ClientFrame, ConversationId, LabelId, NoteId, RequestId, Seq, ServerFrame, UserId,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// One inbox page and the views' sizes.
pub struct InboxPage {
    /// Newest activity first.
    pub items: Vec<InboxItem>,
    /// Sizes of Unassigned, Mine and All.
    pub counts: InboxCounts,
    /// Where the next page starts.
    pub next: Option<InboxCursor>,
}

fn unexpected() -> SyncError {
    Invalid::UnexpectedAnswer.into()
}

impl Engine {
    /// Calls `f` with every live team frame until [`Engine::unlisten`].
    pub(super) fn listen(&self, f: impl Fn(&ServerFrame) + Send + Sync + 'static) -> u64 {
        let id = self.next_listener.fetch_add(1, Ordering::Relaxed);
        let listener: Listener = Arc::new(f);
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, listener));
        id
    }

    /// Stops calling a listener.
    pub(super) fn unlisten(&self, id: u64) {
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(i, _)| *i != id);
    }

    /// Hands a live frame to this tab's listeners.
    pub(super) fn hear(&self, frame: &ServerFrame) {
        // Call outside the lock: a listener may add or remove listeners.
        let listeners: Vec<Listener> = self
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for l in listeners {
            l(frame);
        }
    }

    /// One page of a business inbox, filtered on the server.
    pub async fn inbox_page(
        &self,
        business: BusinessId,
        filter: InboxFilter,
        before: Option<InboxCursor>,
    ) -> SyncResult<InboxPage> {
        let request_id = RequestId::new();
        let frame = ClientFrame::Inbox {
            request_id,
            business,
            filter,
            before,
        };
        match self.request(request_id, frame).await? {
            ServerFrame::InboxPage {
                items,
                counts,
                next,
                ..
            } => Ok(InboxPage {
                items,
                counts,
                next,
            }),
            _ => Err(unexpected()),
        }
    }

    /// Opens a customer conversation from the inbox: stores it on this device and answers its
    /// inbox state and the customer panel; then fetches its newest messages.
    pub async fn open_customer(
        &self,
        conversation_id: ConversationId,
    ) -> SyncResult<(InboxItem, CustomerPanel)> {
        let request_id = RequestId::new();
        let frame = ClientFrame::Customer {
            request_id,
            conversation_id,
        };
        let (item, panel) = match self.request(request_id, frame).await? {
            ServerFrame::Customer { item, panel, .. } => (item, panel),
            _ => return Err(unexpected()),
        };
        self.load_latest(conversation_id).await?;
        Ok((item, panel))
    }

    /// Fetches the newest page of a conversation (fills what this device missed).
    pub async fn load_latest(&self, conversation_id: ConversationId) -> SyncResult<()> {
        self.load_history(conversation_id, Seq::END).await
    }

    /// The private notes on a conversation.
    pub async fn notes(&self, conversation_id: ConversationId) -> SyncResult<Vec<Note>> {
        let request_id = RequestId::new();
        let frame = ClientFrame::Notes {
            request_id,
            conversation_id,
        };
        match self.request(request_id, frame).await? {
            ServerFrame::Notes { notes, .. } => Ok(notes),
            _ => Err(unexpected()),
        }
    }

    /// Sends a team write; its success arrives as a live `inbox_item`, a refusal as a live
    /// error with the returned request id.
    fn team_write(&self, frame: ClientFrame) -> SyncResult<()> {
        if !self.is_online() {
            return Err(SyncError::Offline);
        }
        self.send_frame(frame);
        Ok(())
    }

    /// Gives a conversation to a teammate (`None`: to nobody).
    pub fn assign(
        &self,
        conversation_id: ConversationId,
        assignee: Option<UserId>,
    ) -> SyncResult<RequestId> {
        let request_id = RequestId::new();
        self.team_write(ClientFrame::Assign {
            request_id,
            conversation_id,
            assignee,
        })?;
        Ok(request_id)
    }

    /// Changes a conversation's inbox status.
    pub fn set_inbox_status(
        &self,
        conversation_id: ConversationId,
        status: InboxStatus,
        snooze: Option<Snooze>,
    ) -> SyncResult<RequestId> {
        let request_id = RequestId::new();
        self.team_write(ClientFrame::SetStatus {
            request_id,
            conversation_id,
            status,
            snooze,
        })?;
        Ok(request_id)
    }

    /// Replaces a conversation's labels.
    pub fn set_labels(
        &self,
        conversation_id: ConversationId,
        labels: Vec<LabelId>,
    ) -> SyncResult<RequestId> {
        let request_id = RequestId::new();
        self.team_write(ClientFrame::SetLabels {
            request_id,
            conversation_id,
            labels,
        })?;
        Ok(request_id)
    }

    /// Adds a private note; it comes back as a live `note` when stored.
    pub fn add_note(&self, conversation_id: ConversationId, body: String) -> SyncResult<()> {
        match check_body(&body, false) {
            Ok(()) => {}
            Err(BodyError::Empty) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        self.team_write(ClientFrame::AddNote {
            id: NoteId::new(),
            conversation_id,
            body,
        })
    }

    /// Tells teammates what this agent does in a conversation.
    pub fn activity(&self, conversation_id: ConversationId, activity: Activity) {
        if self.is_online() {
            self.send_frame(ClientFrame::Activity {
                conversation_id,
                activity,
            });
        }
    }
}
