//! Many tabs, one connection. Tabs of one account elect a leader with the Web Locks API; only the
//! leader opens the WebSocket and applies server events to IndexedDB. The others relay their
//! frames to it and hear about changes over a BroadcastChannel. When the leader tab closes, the
//! browser releases its lock and the next tab in line takes over.
//!
//! Web Locks is outside web-sys's stable set, so it is called through `Reflect`.

use super::ConnStatus;
use crate::store::StoreError;
use js_sys::{Function, Promise, Reflect};
use kontor_protocol::{ConversationId, ErrorCode, RequestId, ServerFrame, UserId};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Why a request the leader made for another tab failed, as it crosses to that tab (the relay's
/// own error: only what can happen to a relayed request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum RelayError {
    /// The server refused the request.
    #[error("refused ({code:?}): {message}")]
    Refused {
        /// The machine-readable reason.
        code: ErrorCode,
        /// The server's sentence.
        message: String,
    },
    /// The leader could not store the answer.
    #[error("the leader's storage: {0}")]
    Storage(StoreError),
}

impl From<RelayError> for super::SyncError {
    fn from(e: RelayError) -> Self {
        match e {
            RelayError::Refused { code, message } => super::SyncError::Refused { code, message },
            RelayError::Storage(e) => super::SyncError::Storage(e),
        }
    }
}

/// What tabs tell each other.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TabMessage {
    /// The local database changed: re-read it.
    Changed,
    /// The leader's connection state.
    Status { online: bool, connecting: bool },
    /// A frame for the server (its JSON), from a tab that is not the leader.
    Frame { text: String },
    /// Someone is typing (relayed by the leader).
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    /// Answer to a relayed request.
    Answer {
        request_id: RequestId,
        result: Result<ServerFrame, RelayError>,
    },
    /// A live team frame (inbox change, note, activity), relayed by the leader.
    Live { frame: ServerFrame },
    /// The server ended the session.
    SessionEnded,
    /// Files are waiting to upload: the leader uploads them.
    Uploads,
    /// A new tab asks the leader to say its status.
    Hello,
}

impl TabMessage {
    pub(super) fn status(status: ConnStatus) -> Self {
        TabMessage::Status {
            online: status == ConnStatus::Online,
            connecting: status == ConnStatus::Connecting,
        }
    }
}

/// The channel shared by the account's tabs.
#[derive(Clone)]
pub(super) struct Tabs {
    channel: Option<web_sys::BroadcastChannel>,
}

impl Tabs {
    /// Opens the account's channel; `on_message` gets what other tabs post.
    pub(super) fn open(me: UserId, on_message: impl FnMut(TabMessage) + 'static) -> Self {
        let Ok(channel) = web_sys::BroadcastChannel::new(&format!("kontor-{me}")) else {
            return Self { channel: None };
        };
        let mut on_message = on_message;
        let handler =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string()
                    && let Ok(msg) = crate::json::from_str::<TabMessage>(&text)
                {
                    on_message(msg);
                }
            });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        // Lives as long as the page.
        handler.forget();
        Self {
            channel: Some(channel),
        }
    }

    /// Tells the other tabs (never this one). As JSON text, not a structured clone: a tab still
    /// running the previous version after an update reads text, and the leader may be such a tab.
    pub(super) fn post(&self, msg: &TabMessage) {
        let Some(channel) = &self.channel else {
            return;
        };
        match crate::json::to_string(msg) {
            Ok(text) => {
                let _ = channel.post_message(&JsValue::from_str(&text));
            }
            Err(e) => {
                web_sys::console::error_1(&format!("Kontor: not told other tabs: {e}").into())
            }
        }
    }

    /// Closes the channel (logout).
    pub(super) fn close(&self) {
        if let Some(channel) = &self.channel {
            channel.close();
        }
    }
}

/// Queues for the account's leadership; `on_leader` runs once this tab holds it. The lock is
/// held until the tab closes. Without Web Locks every tab leads on its own.
pub(super) fn request_leadership(me: UserId, on_leader: impl FnOnce() + 'static) {
    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        Reflect::get(l, &JsValue::from_str("request"))
            .ok()?
            .dyn_into::<Function>()
            .ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        on_leader();
        return;
    };
    let granted = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        on_leader();
        // Never settles: the lock is ours until the page goes away.
        Promise::new(&mut |_, _| {})
    });
    let _ = request.call2(
        &locks,
        &JsValue::from_str(&format!("kontor-leader-{me}")),
        &granted,
    );
}
