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

/// Bytes a `messages` frame adds around its messages (the envelope, and a comma each).
const FRAME_OVERHEAD: usize = 32;

/// Cuts `messages` (in order) into runs whose `messages` frames are at most `max_bytes` long;
/// a message too big for that on its own still gets a run of its own.
pub fn runs_within(messages: &[EncodedMessage], max_bytes: usize) -> Vec<&[EncodedMessage]> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, FRAME_OVERHEAD);
    for (i, message) in messages.iter().enumerate() {
        let size = message.get().len() + 1;
        if i > start && bytes + size > max_bytes {
            runs.push(&messages[start..i]);
            (start, bytes) = (i, FRAME_OVERHEAD);
        }
        bytes += size;
    }
    if start < messages.len() {
        runs.push(&messages[start..]);
    }
    runs
}

/// How many of the last messages of `messages` fit in one frame of at most `max_bytes` (at
/// least one, if there is any).
pub fn newest_within(messages: &[EncodedMessage], max_bytes: usize) -> usize {
    let mut bytes = FRAME_OVERHEAD;
    let fitting = messages
        .iter()
        .rev()
        .take_while(|m| {
            bytes += m.get().len() + 1;
            bytes <= max_bytes
        })
        .count();
    fitting.max(usize::from(!messages.is_empty()))
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
    fn runs_stay_within_the_bytes_and_keep_every_message_in_order() {
        let messages: Vec<Message> = (1..=20).map(|i| message(i, &"x".repeat(1000))).collect();
        let encoded = encode_messages(&messages).unwrap();
        let runs = runs_within(&encoded, 5000);
        assert!(runs.len() > 4, "{} runs", runs.len());
        let mut seen = Vec::new();
        for run in &runs {
            let text = PackedMessages {
                messages: run.iter().map(AsRef::as_ref).collect(),
            }
            .to_json();
            assert!(text.len() <= 5000, "{} bytes", text.len());
            let ServerFrame::Messages { messages } = serde_json::from_str(&text).unwrap() else {
                panic!("not a messages frame");
            };
            seen.extend(messages.into_iter().map(|m| m.pos.0));
        }
        assert_eq!(seen, (1..=20).collect::<Vec<_>>());
        // Too big for any frame: alone, never dropped.
        assert_eq!(runs_within(&encoded, 10).len(), 20);
        assert!(runs_within(&[], 10).is_empty());
        // The newest that fit.
        let n = newest_within(&encoded, 5000);
        assert!((3..5).contains(&n), "{n}");
        assert_eq!(newest_within(&encoded, 10), 1);
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
