//! The rules: who may do what, what is valid, and what is published once a write is committed.
//!
//! One module per area. Writes run inside a [`Tx`](crate::db::Tx) and register their frames with
//! [`Tx::after_commit`](crate::db::Tx::after_commit), so the hub sends them in commit order and
//! only once they are durable. Services see storage only through the traits of [`crate::db`],
//! and connections only through the [`Hub`](crate::hub::Hub); `http/` and `ws/` call them.

pub mod accounts;
pub mod business;
pub mod error;
pub mod inbox;
pub mod media;
pub mod messaging;
pub mod names;
pub mod safety;
pub mod uploads;

pub use error::{ServiceError, ServiceResult};

use crate::hub::ConnId;
use kontor_protocol::UserId;

/// The connection a command came from; acks and errors go back to it.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Who sent it.
    pub user: UserId,
    /// On which connection.
    pub conn: ConnId,
}
