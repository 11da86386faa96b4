//! Helpers shared by the browser tests.

use kontor_protocol::{Handle, User, UserId};

/// A person whose display name is the handle in capitals.
pub fn user(handle: &str) -> User {
    User::person(
        UserId::new(),
        Handle::parse(handle).unwrap(),
        handle.to_uppercase(),
    )
}
