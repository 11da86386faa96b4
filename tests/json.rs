//! The client's JSON codec (the browser's `JSON` with serde-wasm-bindgen) reads and writes the
//! same JSON as serde_json, which the server uses.

use kontor_protocol::business::{
    BusinessProfile, Category, OpenInterval, OpeningHours, ProfileFields,
};
use kontor_protocol::media::{Attachment, AttachmentKind};
use kontor_protocol::packed::{PackedMessages, encode_messages};
use kontor_protocol::{
    AgentSignature, AttachmentId, BusinessId, ClientFrame, Conversation, ConversationId,
    ConversationKind, ErrorCode, Handle, Member, Message, MessageId, Pos, RequestId, Seq,
    ServerFrame, SessionToken, Timestamp, User, UserId,
};
use kontor_web::json::{self, JsonError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::user;

fn conversation() -> Conversation {
    let member = |u: User| Member {
        user: u,
        delivered: Seq(3),
        read: Seq(2),
    };
    Conversation {
        id: ConversationId::new(),
        kind: ConversationKind::Direct,
        members: vec![member(user("alice")), member(user("bob"))],
        last_seq: Seq(3),
        created_at: Timestamp(1_700_000_000_000),
    }
}

fn message(pos: u64, body: &str) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: ConversationId::new(),
        seq: Seq(pos),
        pos: Pos(pos),
        sender: UserId::new(),
        body: body.into(),
        sent_at: Timestamp(1_700_000_000_000 + pos as i64),
        agent: None,
        attachment: None,
    }
}

/// A message with every optional part, and text JSON must escape.
fn full_message() -> Message {
    Message {
        agent: Some(AgentSignature {
            id: Some(UserId::new()),
            name: "Ana from Nordbank".into(),
        }),
        attachment: Some(Attachment {
            id: AttachmentId::new(),
            kind: AttachmentKind::Photo,
            name: "receipt \"final\".png".into(),
            mime: "image/png".into(),
            size: 4_294_967_296,
            width: Some(1024),
            height: Some(768),
            duration_ms: None,
        }),
        sent_at: Timestamp(1_700_000_000_000),
        ..message(
            9_007_199_254_740_991,
            "line one\nline \u{2028}two \\ 🙂 \u{0}",
        )
    }
}

fn profile() -> BusinessProfile {
    BusinessProfile {
        id: BusinessId::new(),
        handle: Handle::parse("nordbank").unwrap(),
        profile: ProfileFields {
            name: "Nordbank".into(),
            category: Category::Bank,
            description: "Banking".into(),
            address: "Main street 1".into(),
            email: String::new(),
            websites: vec!["https://nordbank.example".into()],
            hours: OpeningHours {
                time_zone: "Europe/Berlin".into(),
                intervals: vec![OpenInterval {
                    weekday: 1,
                    open: 540,
                    close: 1020,
                }],
                always_open: false,
            },
        },
        verified: true,
        logo: None,
        open_now: false,
    }
}

/// What the server sends, read by both codecs.
fn reads_like_serde_json<T>(text: &str)
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let ours: T = json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let theirs: T = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs);
}

/// What the client writes, as serde_json would have written it.
fn writes_like_serde_json<T: serde::Serialize>(value: &T) {
    let ours: serde_json::Value = serde_json::from_str(&json::to_string(value).unwrap()).unwrap();
    assert_eq!(ours, serde_json::to_value(value).unwrap());
}

#[wasm_bindgen_test]
fn server_frames_read_as_serde_json_reads_them() {
    let frames = [
        ServerFrame::Ready {
            user: user("alice"),
        },
        ServerFrame::Conversation {
            pos: Pos(7),
            conversation: conversation(),
        },
        ServerFrame::Messages {
            messages: vec![full_message(), message(2, "")],
        },
        ServerFrame::SyncDone { pos: Pos(0) },
        ServerFrame::Pong {
            nonce: u64::MAX >> 11,
        },
        ServerFrame::error(ErrorCode::Unauthorized, "Log in again."),
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            message: "Not yours.".into(),
            message_id: Some(MessageId::new()),
            request_id: Some(RequestId::new()),
            retry_after_ms: None,
        },
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            message: "You are sending messages too fast. Try again in 3 seconds.".into(),
            message_id: Some(MessageId::new()),
            request_id: None,
            retry_after_ms: Some(2500),
        },
    ];
    for frame in frames {
        reads_like_serde_json::<ServerFrame>(&serde_json::to_string(&frame).unwrap());
    }
}

#[wasm_bindgen_test]
fn packed_live_frames_read_as_their_messages() {
    let messages = vec![full_message(), message(10, "second")];
    let encoded = encode_messages(&messages).unwrap();
    let text = PackedMessages {
        messages: encoded.iter().map(|m| &**m).collect(),
    }
    .to_json();
    let frame: ServerFrame = json::from_str(&text).unwrap();
    assert_eq!(frame, ServerFrame::Messages { messages });
}

#[wasm_bindgen_test]
fn flattened_and_nested_answers_read_as_serde_json_reads_them() {
    reads_like_serde_json::<BusinessProfile>(&serde_json::to_string(&profile()).unwrap());
    // Fields the server leaves out fall back to their defaults, unknown ones are ignored.
    reads_like_serde_json::<Message>(&format!(
        r#"{{"id":"{}","conversation_id":"{}","seq":1,"pos":1,"sender":"{}","body":"hi",
            "sent_at":5,"a_field_from_a_newer_server":[1,2]}}"#,
        MessageId::new(),
        ConversationId::new(),
        UserId::new()
    ));
}

#[wasm_bindgen_test]
fn client_frames_write_as_serde_json_writes_them() {
    let frames = [
        ClientFrame::Hello {
            token: SessionToken("t0k3n".into()),
            since: Pos(123_456_789_012),
        },
        ClientFrame::Send {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            body: "quote \" backslash \\ newline \n emoji 🙂".into(),
            attachment: None,
        },
        ClientFrame::Send {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            body: String::new(),
            attachment: Some(AttachmentId::new()),
        },
    ];
    for frame in &frames {
        writes_like_serde_json(frame);
        // And the server reads it back as the same frame.
        let text = json::to_string(frame).unwrap();
        assert_eq!(&serde_json::from_str::<ClientFrame>(&text).unwrap(), frame);
    }
    writes_like_serde_json(&profile());
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_wrong_value() {
    assert!(matches!(
        json::from_str::<ServerFrame>("{\"ready\":"),
        Err(JsonError::Syntax(_))
    ));
    assert!(matches!(
        json::from_str::<ServerFrame>(r#"{"no_such_frame":{}}"#),
        Err(JsonError::Shape(_))
    ));
    assert!(matches!(
        json::from_str::<ServerFrame>(r#"{"sync_done":{"pos":-1}}"#),
        Err(JsonError::Shape(_))
    ));
    // Beyond 2^53 a JavaScript number is no longer exact: refused rather than rounded.
    assert!(matches!(
        json::from_str::<ServerFrame>(r#"{"pong":{"nonce":18446744073709551615}}"#),
        Err(JsonError::Shape(_))
    ));
    assert!(matches!(
        json::to_string(&ServerFrame::Pong { nonce: u64::MAX }),
        Err(JsonError::Shape(_))
    ));
}
