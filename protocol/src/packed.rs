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

/// The JSON a `messages` frame puts before its messages …
const OPEN: &str = r#"{"messages":{"messages":["#;
/// … and after them.
const CLOSE: &str = "]}}";

/// Bytes any frame that carries messages adds around them, at most: a `history` answer's
/// envelope with its request and conversation ids takes 136 (a `messages` frame needs
/// `OPEN.len() + CLOSE.len()`).
const FRAME_OVERHEAD: usize = 160;

/// `messages` frames of at most `max_bytes` each (a message too big for that alone still gets
/// a frame of its own), written straight from the messages: one serialisation, no copies, for
/// pages read from the database (catch-up).
pub fn frames_within(messages: &[Message], max_bytes: usize) -> serde_json::Result<Vec<String>> {
    let mut frames = Vec::new();
    let mut frame = String::from(OPEN);
    let mut count = 0;
    let mut one = Vec::new();
    for message in messages {
        one.clear();
        serde_json::to_writer(&mut one, message)?;
        // serde_json writes valid UTF-8.
        let text = std::str::from_utf8(&one).map_err(serde::ser::Error::custom)?;
        if count > 0 && frame.len() + 1 + text.len() + CLOSE.len() > max_bytes {
            frame.push_str(CLOSE);
            frames.push(std::mem::replace(&mut frame, String::from(OPEN)));
            count = 0;
        }
        if count > 0 {
            frame.push(',');
        }
        frame.push_str(text);
        count += 1;
    }
    if count > 0 {
        frame.push_str(CLOSE);
        frames.push(frame);
    }
    Ok(frames)
}

/// How many of the last messages of `messages` fit in one frame of at most `max_bytes`, its
/// envelope included (at least one, if there is any).
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
    fn frames_stay_within_the_bytes_and_keep_every_message_in_order() {
        let messages: Vec<Message> = (1..=20).map(|i| message(i, &"x".repeat(1000))).collect();
        let frames = frames_within(&messages, 5000).unwrap();
        assert!(frames.len() > 4, "{} frames", frames.len());
        let mut seen = Vec::new();
        for text in &frames {
            assert!(text.len() <= 5000, "{} bytes", text.len());
            let ServerFrame::Messages { messages } = serde_json::from_str(text).unwrap() else {
                panic!("not a messages frame");
            };
            seen.extend(messages.into_iter().map(|m| m.pos.0));
        }
        assert_eq!(seen, (1..=20).collect::<Vec<_>>());
        // Too big for any frame: alone, never dropped.
        assert_eq!(frames_within(&messages, 10).unwrap().len(), 20);
        assert!(frames_within(&[], 10).unwrap().is_empty());
        // The newest that fit.
        let encoded = encode_messages(&messages).unwrap();
        let n = newest_within(&encoded, 5000);
        assert!((3..5).contains(&n), "{n}");
        assert_eq!(newest_within(&encoded, 10), 1);
        // The overhead covers a history answer's envelope.
        let history = ServerFrame::History {
            request_id: crate::RequestId::new(),
            conversation_id: ConversationId::new(),
            messages: Vec::new(),
        };
        assert!(serde_json::to_string(&history).unwrap().len() <= FRAME_OVERHEAD);
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
