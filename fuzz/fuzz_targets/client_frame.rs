//! Whatever arrives on the WebSocket: decoding never panics, and what decodes passes through the
//! checks the server runs before anything is stored (bodies, handles, the frame's subject).
#![no_main]

use kontor_protocol::text::check_body;
use kontor_protocol::{ClientFrame, Handle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(frame) = serde_json::from_str::<ClientFrame>(text) else {
        return;
    };
    let _ = frame.about();
    match &frame {
        ClientFrame::Send {
            body, attachment, ..
        } => {
            let _ = check_body(body, attachment.is_some());
        }
        ClientFrame::AddNote { body, .. } => {
            let _ = check_body(body, false);
        }
        ClientFrame::StartChat { handle, .. } => {
            if let Ok(handle) = Handle::parse(handle) {
                let _ = kontor_server::service::names::check_handle(handle.as_str());
            }
        }
        _ => {}
    }
    // What decodes encodes again and decodes to the same frame.
    let again = serde_json::to_string(&frame).expect("a decoded frame encodes");
    assert_eq!(
        serde_json::from_str::<ClientFrame>(&again).ok(),
        Some(frame)
    );
});
