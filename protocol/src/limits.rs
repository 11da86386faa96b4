//! Limits enforced by both sides, so the client can refuse early with the same rule.

/// Largest WebSocket text frame the server accepts as a request, in bytes. A larger frame is
/// answered with [`crate::ErrorCode::TooLarge`] and the connection stays open.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Largest message body, in bytes of UTF-8. Kept well under [`MAX_FRAME_BYTES`] so the JSON
/// envelope (and escaping) always fits.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// Display names: characters, after trimming.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Passwords: characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Passwords: characters (argon2 takes any length; this bounds the work a request can cause).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Messages per page when the server sends what a client missed.
pub const SYNC_PAGE: usize = 500;

/// Largest `messages` or `history` frame the server sends, in bytes: pages are cut by bytes as
/// well as by count, so a history of maximum-size messages still arrives in frames a socket's
/// buffers take. A single message larger than this (it cannot be, given [`MAX_BODY_BYTES`]) would
/// still go alone.
pub const SYNC_FRAME_BYTES: usize = 256 * 1024;

/// Most messages in one history answer.
pub const HISTORY_PAGE: u32 = 200;
