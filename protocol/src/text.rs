//! Rules about message text that both sides apply: what a list shows of a message, and which
//! bodies may be sent.

use crate::limits::MAX_BODY_BYTES;
use crate::model::Message;

/// Characters of the newest message a chat list or the inbox list shows.
pub const PREVIEW_CHARS: usize = 120;

/// What a list shows for a message: its text on one line, or what it carries when it has no
/// text, at most [`PREVIEW_CHARS`] characters.
pub fn preview(message: &Message) -> String {
    match &message.attachment {
        Some(a) if message.body.trim().is_empty() => preview_of(&a.kind.summary(&a.name)),
        _ => preview_of(&message.body),
    }
}

/// A text squeezed onto one line (runs of white space become one space) and cut to
/// [`PREVIEW_CHARS`] characters (not bytes, so no character is split).
pub fn preview_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(PREVIEW_CHARS * 4));
    for (n, word) in text.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() >= PREVIEW_CHARS * 4 {
            break;
        }
    }
    match out.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => out[..cut].to_owned(),
        None => out,
    }
}

/// Why a message or note body is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Nothing but white space, and nothing attached.
    #[error("A message cannot be empty.")]
    Empty,
    /// Over [`MAX_BODY_BYTES`].
    #[error("This text is too long: at most {} KiB.", MAX_BODY_BYTES / 1024)]
    TooLong,
}

/// Checks a body before it is sent or stored. `attached` tells whether something else (a file)
/// carries the message, so an empty caption is allowed.
pub fn check_body(body: &str, attached: bool) -> Result<(), BodyError> {
    if body.len() > MAX_BODY_BYTES {
        Err(BodyError::TooLong)
    } else if !attached && body.trim().is_empty() {
        Err(BodyError::Empty)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_line_and_cut_by_characters() {
        assert_eq!(preview_of("  a\n\tb  c "), "a b c");
        assert_eq!(preview_of(&"é".repeat(200)).chars().count(), PREVIEW_CHARS);
        assert_eq!(
            preview_of(&"word ".repeat(1000)).chars().count(),
            PREVIEW_CHARS
        );
    }

    #[test]
    fn bodies_are_checked_by_bytes_and_emptiness() {
        assert_eq!(check_body(" \n", false), Err(BodyError::Empty));
        assert_eq!(check_body(" \n", true), Ok(()));
        assert_eq!(check_body(&"x".repeat(MAX_BODY_BYTES), false), Ok(()));
        assert_eq!(
            check_body(&"é".repeat(MAX_BODY_BYTES / 2 + 1), false),
            Err(BodyError::TooLong)
        );
    }
}
