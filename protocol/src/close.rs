//! WebSocket close codes the server uses and the client tells apart.

/// The client broke the protocol (a frame it may not send); reconnecting as before will not help.
pub const POLICY: u16 = 1008;
/// The server is going away (restarting); reconnect.
pub const AWAY: u16 = 1001;
/// The server is overloaded or the connection fell behind; reconnect after a pause.
pub const TRY_AGAIN: u16 = 1013;
/// The session token is not valid (expired, revoked, or the account is gone): log in again.
pub const UNAUTHORIZED: u16 = 4001;
