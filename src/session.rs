//! The logged-in session, kept in localStorage so the app starts logged in (also offline).

use kontor_protocol::{SessionToken, User};
use serde::{Deserialize, Serialize};

const KEY: &str = "kontor.session";

/// Who is logged in, with the token for the WebSocket and logout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    /// Bearer token.
    pub token: SessionToken,
    /// The account.
    pub user: User,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The saved session, if any. One that cannot be read (an older format) is forgotten, so the
/// welcome page does not keep sending its visitor to the chats.
pub fn load() -> Option<Auth> {
    let text = storage()?.get_item(KEY).ok()??;
    let auth = crate::json::from_str(&text).ok();
    if auth.is_none() {
        clear();
    }
    auth
}

/// Saves the session.
pub fn save(auth: &Auth) {
    if let (Some(s), Ok(text)) = (storage(), crate::json::to_string(auth)) {
        let _ = s.set_item(KEY, &text);
    }
}

/// Forgets the session.
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
