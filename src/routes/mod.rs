//! Pages, one module per route.

pub mod chats;
pub mod conversation;
pub mod login;
pub mod welcome;
