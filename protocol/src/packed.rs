//! Live messages encoded once and packed into `messages` frames.
//!
//! The server encodes a committed message once for all its recipients. A connection that finds
//! several such messages queued sends them as one [`ServerFrame::Messages`] frame: one WebSocket
//! frame to write and, in the browser, one event and one decode instead of one per message.
//! Packing copies the encoded text (serde_json's `RawValue`) rather than decoding and encoding
//! the messages again.
//!
//! [`ServerFrame::Messages`]: crate::ServerFrame::Messages

use crate::Message;
use serde::Serialize;
use serde_json::value::RawValue;

/// One message, encoded as JSON.
pub type EncodedMessage = Box<RawValue>;

/// Encodes each message on its own, ready for [`PackedMessages`].
pub fn encode_messages(messages: &[Message]) -> serde_json::Result<Vec<EncodedMessage>> {
    messages
        .iter()
        .map(serde_json::value::to_raw_value)
        .collect()
}

/// A `messages` frame made of already encoded messages; its JSON is exactly that of
/// [`ServerFrame::Messages`](crate::ServerFrame::Messages) holding the same messages.
#[derive(Debug, Default)]
pub struct PackedMessages<'a> {
    /// In increasing `pos` order.
    pub messages: Vec<&'a RawValue>,
}

/// The frame's shape on the wire (the same variant name and field as [`crate::ServerFrame`]).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Frame<'p, 'a> {
    Messages { messages: &'p [&'a RawValue] },
}

impl PackedMessages<'_> {
    /// The frame's JSON text.
    pub fn to_json(&self) -> String {
        let frame = Frame::Messages {
            messages: &self.messages,
        };
        // Only strings and already valid JSON: serialising cannot fail.
        serde_json::to_string(&frame).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConversationId, MessageId, Pos, Seq, ServerFrame, Timestamp, UserId};

    fn message(pos: u64, body: &str) -> Message {
        Message {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            sender: UserId::new(),
            seq: Seq(pos),
            pos: Pos(pos),
            sent_at: Timestamp(1_700_000_000_000 + pos as i64),
            body: body.into(),
            attachment: None,
            agent: None,
        }
    }

    #[test]
    fn packed_frames_decode_as_one_messages_frame_in_order() {
        let first = vec![message(1, "one")];
        let second = vec![message(2, "two \"quoted\" ✓"), message(3, "three")];
        let parts = [
            encode_messages(&first).unwrap(),
            encode_messages(&second).unwrap(),
        ];
        let packed = PackedMessages {
            messages: parts.iter().flatten().map(AsRef::as_ref).collect(),
        };
        let decoded: ServerFrame = serde_json::from_str(&packed.to_json()).unwrap();
        let all: Vec<Message> = first.into_iter().chain(second).collect();
        assert_eq!(
            decoded,
            ServerFrame::Messages {
                messages: all.clone()
            }
        );
        // Byte for byte what encoding the frame directly gives.
        let direct = serde_json::to_string(&ServerFrame::Messages { messages: all }).unwrap();
        assert_eq!(packed.to_json(), direct);
    }
}
