//! The socket reader: floods of one kind come out as one batch, in order, and whatever a batch
//! read ahead (a frame of another kind, a close) comes out next, not lost.

use futures::stream;
use gloo_net::websocket::events::CloseEvent;
use gloo_net::websocket::{Message as WsMessage, WebSocketError};
use kontor_protocol::close::UNAUTHORIZED;
use kontor_protocol::{
    Conversation, ConversationId, ConversationKind, Member, Message, MessageId, Pos, Seq,
    ServerFrame, Timestamp, UserId,
};
use kontor_web::sync::reader::{COALESCE_MAX, Reader, Step};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::user;

type Item = Result<WsMessage, WebSocketError>;

fn text(frame: &ServerFrame) -> Item {
    Ok(WsMessage::Text(serde_json::to_string(frame).unwrap()))
}

fn close(code: u16) -> Item {
    Err(WebSocketError::ConnectionClose(CloseEvent {
        code,
        reason: String::new(),
        was_clean: true,
    }))
}

/// A `messages` frame with the messages at these positions.
fn messages(positions: impl IntoIterator<Item = u64>) -> Item {
    let conversation_id = ConversationId::new();
    let messages = positions
        .into_iter()
        .map(|pos| Message {
            id: MessageId::new(),
            conversation_id,
            seq: Seq(pos),
            pos: Pos(pos),
            sender: UserId::new(),
            body: format!("message {pos}"),
            sent_at: Timestamp(1_700_000_000_000),
            agent: None,
            attachment: None,
        })
        .collect();
    text(&ServerFrame::Messages { messages })
}

fn receipt(pos: u64) -> Item {
    text(&ServerFrame::Receipt {
        pos: Pos(pos),
        conversation_id: ConversationId::new(),
        user_id: UserId::new(),
        delivered: Seq(pos),
        read: Seq(pos - 1),
    })
}

fn conversation(pos: u64) -> Item {
    let member = |handle| Member {
        user: user(handle),
        delivered: Seq(0),
        read: Seq(0),
    };
    text(&ServerFrame::Conversation {
        pos: Pos(pos),
        conversation: Conversation {
            id: ConversationId::new(),
            kind: ConversationKind::Direct,
            members: vec![member("alice"), member("bob")],
            last_seq: Seq(0),
            created_at: Timestamp(1_700_000_000_000),
        },
    })
}

fn reader(items: Vec<Item>) -> Reader<stream::Iter<std::vec::IntoIter<Item>>> {
    Reader::new(stream::iter(items))
}

fn positions(step: Step) -> Vec<u64> {
    match step {
        Step::Messages(m) => m.messages().iter().map(|m| m.pos.0).collect(),
        Step::Conversations(c) => c.iter().map(|(_, pos)| pos.0).collect(),
        Step::Receipts(r) => r.iter().map(|r| r.pos.0).collect(),
        Step::Frame(f) => panic!("expected a batch, got {f:?}"),
        Step::Unreadable(e) => panic!("expected a batch, got unreadable: {e}"),
        Step::Closed { unauthorized } => panic!("expected a batch, got closed ({unauthorized})"),
    }
}

fn is_closed(step: Step, refused: bool) -> bool {
    matches!(step, Step::Closed { unauthorized } if unauthorized == refused)
}

#[wasm_bindgen_test]
async fn a_refusal_right_after_a_flood_is_not_taken_for_a_dropped_connection() {
    let mut r = reader(vec![messages(1..=3), messages(4..=5), close(UNAUTHORIZED)]);
    assert_eq!(positions(r.next().await), [1, 2, 3, 4, 5]);
    // The batch read the close while looking for more messages: it still says "refused", so
    // the app logs out instead of reconnecting forever.
    assert!(is_closed(r.next().await, true));

    let mut r = reader(vec![messages(1..=2), close(1006)]);
    assert_eq!(positions(r.next().await), [1, 2]);
    assert!(is_closed(r.next().await, false));
}

#[wasm_bindgen_test]
async fn frames_of_each_kind_are_batched_in_order_and_others_pass_one_by_one() {
    let mut r = reader(vec![
        conversation(1),
        conversation(2),
        messages(3..=4),
        messages(5..=5),
        receipt(6),
        receipt(7),
        text(&ServerFrame::Ready {
            user: user("alice"),
        }),
        text(&ServerFrame::SyncDone { pos: Pos(7) }),
        messages(8..=8),
    ]);
    assert_eq!(positions(r.next().await), [1, 2]);
    assert_eq!(positions(r.next().await), [3, 4, 5]);
    assert_eq!(positions(r.next().await), [6, 7]);
    assert!(matches!(
        r.next().await,
        Step::Frame(ServerFrame::Ready { .. })
    ));
    assert!(matches!(
        r.next().await,
        Step::Frame(ServerFrame::SyncDone { pos: Pos(7) })
    ));
    assert_eq!(positions(r.next().await), [8]);
    // The stream ended: a dropped connection.
    assert!(is_closed(r.next().await, false));
}

#[wasm_bindgen_test]
async fn unreadable_frames_are_reported_or_skipped_and_reading_goes_on() {
    let garbage = || Ok(WsMessage::Text("{\"messages\": nonsense".into()));
    let mut r = reader(vec![
        garbage(),
        messages(1..=1),
        garbage(),
        Ok(WsMessage::Bytes(vec![1, 2, 3])),
        messages(2..=2),
    ]);
    assert!(matches!(r.next().await, Step::Unreadable(_)));
    // Inside a flood the bad frame is left out (and logged); the rest stays one batch. Binary
    // messages, which the server never sends, end the batch and are passed over.
    assert_eq!(positions(r.next().await), [1]);
    assert_eq!(positions(r.next().await), [2]);
}

#[wasm_bindgen_test]
async fn a_batch_stops_at_its_cap_and_the_rest_follows() {
    let per_frame = (COALESCE_MAX / 2) as u64;
    let frames = (0..3)
        .map(|i| messages(i * per_frame + 1..=(i + 1) * per_frame))
        .collect();
    let mut r = reader(frames);
    let first = positions(r.next().await);
    assert_eq!(first.len(), COALESCE_MAX);
    let second = positions(r.next().await);
    assert_eq!(second.len(), per_frame as usize);
    assert_eq!(second[0], first[first.len() - 1] + 1);
}
