//! Reading the socket: each frame decoded once, and a flood of frames of one kind (live
//! messages, a catch-up's conversation snapshots and receipts) folded into one batch, which the
//! engine stores in one IndexedDB transaction: the cost is per transaction (and per redraw), not
//! per record.
//!
//! Generic over the stream, so the browser tests drive it without a socket.

use crate::json::{self, JsonError};
use crate::store::{ReceiptMark, Received};
use futures::{FutureExt, StreamExt};
use gloo_net::websocket::{Message, WebSocketError};
use kontor_protocol::{Conversation, Pos, ServerFrame, close};
use std::ops::ControlFlow::{self, Break, Continue};
use wasm_bindgen::{JsCast, JsValue};

/// What the reader hands on, one at a time.
// Steps are matched and dropped at once, as `ServerFrame` itself is.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Live messages or catch-up pages: every `messages` frame that had arrived, up to
    /// [`COALESCE_MAX`] messages.
    Messages(Received),
    /// Consecutive `conversation` frames (a catch-up's snapshots), in order.
    Conversations(Vec<(Conversation, Pos)>),
    /// Consecutive `receipt` frames, in order.
    Receipts(Vec<ReceiptMark>),
    /// Any other frame.
    Frame(ServerFrame),
    /// A frame that could not be read; the connection goes on.
    Unreadable(JsonError),
    /// The connection closed or failed; `unauthorized` when the server refused the session.
    Closed {
        /// The server closed with [`kontor_protocol::close::UNAUTHORIZED`].
        unauthorized: bool,
    },
}

/// Reads a socket's stream of messages as [`Step`]s.
pub struct Reader<S> {
    read: S,
    /// What a batch read ahead and did not take: a stream item once read is gone, so it is
    /// handed on next (a frame of another kind, or a close that must not be mistaken for a
    /// plain disconnect).
    pending: Option<Read>,
}

impl<S> Reader<S>
where
    S: futures::Stream<Item = Result<Message, WebSocketError>> + Unpin,
{
    /// A reader of `read`.
    pub fn new(read: S) -> Self {
        Self {
            read,
            pending: None,
        }
    }

    /// The next step. Dropping the future before it completes loses nothing: it waits only for
    /// the first item, and gathers a batch from what had already arrived without waiting.
    pub async fn next(&mut self) -> Step {
        let frame = loop {
            let read = match self.pending.take() {
                Some(read) => read,
                None => Read::Item(self.read.next().await),
            };
            match read {
                Read::Frame(frame) => break frame,
                Read::Item(Some(Ok(Message::Text(text)))) => match decode(&text) {
                    Ok(frame) => break frame,
                    Err(e) => return Step::Unreadable(e),
                },
                // The server sends text only.
                Read::Item(Some(Ok(Message::Bytes(_)))) => continue,
                Read::Item(Some(Err(WebSocketError::ConnectionClose(ev)))) => {
                    return Step::Closed {
                        unauthorized: ev.code == close::UNAUTHORIZED,
                    };
                }
                Read::Item(_) => {
                    return Step::Closed {
                        unauthorized: false,
                    };
                }
            }
        };
        match frame {
            Incoming::Messages(messages) => {
                let (batch, rest) = coalesce(&mut self.read, messages, messages_of);
                self.pending = rest;
                Step::Messages(batch)
            }
            Incoming::Frame(ServerFrame::Conversation { pos, conversation }) => {
                let first = vec![(conversation, pos)];
                let (batch, rest) = coalesce(&mut self.read, first, snapshot_of);
                self.pending = rest;
                Step::Conversations(batch)
            }
            Incoming::Frame(frame @ ServerFrame::Receipt { .. }) => {
                let first = receipt_mark(&frame).into_iter().collect();
                let (batch, rest) = coalesce(&mut self.read, first, receipt_of);
                self.pending = rest;
                Step::Receipts(batch)
            }
            Incoming::Frame(frame) => Step::Frame(frame),
        }
    }
}

/// Something read from the socket and not handled yet.
// At most one is held, for a moment.
#[allow(clippy::large_enum_variant)]
enum Read {
    /// As the stream gave it: a frame's text, a close, an error, or the end.
    Item(Option<Result<Message, WebSocketError>>),
    /// A frame already decoded.
    Frame(Incoming),
}

/// Most records folded into one batch.
pub const COALESCE_MAX: usize = 2_000;

/// A frame as read. A `messages` frame keeps the objects `JSON.parse` made of its messages, which
/// is what IndexedDB stores ([`Received`]).
// Frames are read, matched and dropped at once, as `ServerFrame` itself is.
#[allow(clippy::large_enum_variant)]
enum Incoming {
    /// Live messages or a catch-up page.
    Messages(Received),
    /// Any other frame.
    Frame(ServerFrame),
}

/// Reads a server frame.
fn decode(text: &str) -> Result<Incoming, JsonError> {
    let value = json::parse(text)?;
    match messages_array(&value) {
        Some(array) => Received::from_array(array).map(Incoming::Messages),
        None => json::from_value(value).map(Incoming::Frame),
    }
}

/// The array of a `{"messages":{"messages":[…]}}` frame.
fn messages_array(frame: &JsValue) -> Option<js_sys::Array> {
    let key = JsValue::from_str("messages");
    let inner = js_sys::Reflect::get(frame, &key).ok()?;
    if !inner.is_object() {
        return None;
    }
    js_sys::Reflect::get(&inner, &key).ok()?.dyn_into().ok()
}

/// What [`coalesce`] gathers.
trait Batch {
    fn len(&self) -> usize;
    fn append(&mut self, more: Self);
}

impl<T> Batch for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn append(&mut self, mut more: Self) {
        Vec::append(self, &mut more);
    }
}

impl Batch for Received {
    fn len(&self) -> usize {
        Received::len(self)
    }
    fn append(&mut self, more: Self) {
        Received::append(self, more);
    }
}

/// Appends what the frames that have already arrived carry to `batch` (`take` says what a frame
/// adds, or that it is of another kind), up to [`COALESCE_MAX`] records. Returns the batch and
/// what it read but did not take (a frame of another kind, a close, an error), which the caller
/// handles next: a stream item once read is gone.
fn coalesce<S, B: Batch>(
    read: &mut S,
    mut batch: B,
    take: impl Fn(Incoming) -> ControlFlow<Incoming, B>,
) -> (B, Option<Read>)
where
    S: futures::Stream<Item = Result<Message, WebSocketError>> + Unpin,
{
    while batch.len() < COALESCE_MAX {
        let text = match read.next().now_or_never() {
            // Nothing more waiting.
            None => break,
            Some(Some(Ok(Message::Text(text)))) => text,
            Some(other) => return (batch, Some(Read::Item(other))),
        };
        match decode(&text).map(&take) {
            Ok(Continue(more)) => batch.append(more),
            Ok(Break(other)) => return (batch, Some(Read::Frame(other))),
            Err(e) => {
                web_sys::console::warn_1(&format!("Kontor: unreadable frame: {e}").into());
            }
        }
    }
    (batch, None)
}

/// The messages of a `messages` frame (for [`coalesce`]).
fn messages_of(frame: Incoming) -> ControlFlow<Incoming, Received> {
    match frame {
        Incoming::Messages(messages) => Continue(messages),
        other => Break(other),
    }
}

/// The snapshot of a `conversation` frame (for [`coalesce`]).
fn snapshot_of(frame: Incoming) -> ControlFlow<Incoming, Vec<(Conversation, Pos)>> {
    match frame {
        Incoming::Frame(ServerFrame::Conversation { pos, conversation }) => {
            Continue(vec![(conversation, pos)])
        }
        other => Break(other),
    }
}

/// The marks of a `receipt` frame (for [`coalesce`]).
fn receipt_of(frame: Incoming) -> ControlFlow<Incoming, Vec<ReceiptMark>> {
    match frame {
        Incoming::Frame(frame) => match receipt_mark(&frame) {
            Some(mark) => Continue(vec![mark]),
            None => Break(Incoming::Frame(frame)),
        },
        other => Break(other),
    }
}

/// The mark a `receipt` frame carries (none for other frames).
pub fn receipt_mark(frame: &ServerFrame) -> Option<ReceiptMark> {
    match *frame {
        ServerFrame::Receipt {
            pos,
            conversation_id,
            user_id,
            delivered,
            read,
        } => Some(ReceiptMark {
            conversation_id,
            user: user_id,
            delivered,
            read,
            pos,
        }),
        _ => None,
    }
}
