//! Live connections, by user, and fan-out of frames to them.
//!
//! The writer thread publishes every committed event here in commit order, so each connection's
//! queue is ordered by event position. A connection whose queue is full (in frames or in bytes)
//! is dropped rather than buffered without bound: its client reconnects and resumes from its
//! cursor, losing nothing.

use axum::extract::ws::Utf8Bytes;
use kontor_protocol::packed::{EncodedMessage, encode_messages};
use kontor_protocol::{ErrorCode, Message, Pos, ServerFrame, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use uuid::Uuid;

mod queue;

/// Identifies one WebSocket connection.
pub type ConnId = u64;

/// Frames queued for a connection. Text is serialised once and shared by every recipient.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// Part of the resumable event stream; skipped by a connection whose catch-up covered `pos`.
    Event {
        /// Event position.
        pos: Pos,
        /// JSON text.
        text: Utf8Bytes,
    },
    /// New messages, encoded once for every recipient: a connection packs those it finds queued
    /// together into one `messages` frame.
    Messages {
        /// Position of the last one.
        pos: Pos,
        /// Each message's JSON.
        messages: Arc<[EncodedMessage]>,
        /// Their JSON's length with one separator each: what they add to a queue or a frame
        /// (counted once, when encoded).
        bytes: usize,
    },
    /// Anything else: acks, answers, typing.
    Frame(Utf8Bytes),
    /// Close the connection (logout, lost access).
    Close {
        /// WebSocket close code.
        code: u16,
        /// Reason shown to the client.
        reason: &'static str,
    },
}

/// Serialises a frame to JSON text.
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    match serde_json::to_string(frame) {
        Ok(text) => text.into(),
        // Our own types always serialise; never panic over it all the same.
        Err(_) => serde_json::to_string(&ServerFrame::error(
            ErrorCode::Internal,
            "the server could not encode a frame",
        ))
        .unwrap_or_default()
        .into(),
    }
}

impl Outbound {
    /// Bytes this frame adds to a connection's queue.
    pub fn bytes(&self) -> usize {
        match self {
            Outbound::Event { text, .. } | Outbound::Frame(text) => text.len(),
            Outbound::Messages { bytes, .. } => *bytes,
            Outbound::Close { .. } => 0,
        }
    }

    /// New messages (in `pos` order) as one event; none makes no event.
    pub fn messages(messages: &[Message]) -> Option<Self> {
        let pos = messages.last()?.pos;
        match encode_messages(messages) {
            Ok(encoded) => Some(Outbound::Messages {
                pos,
                bytes: encoded.iter().map(|m| m.get().len() + 1).sum(),
                messages: encoded.into(),
            }),
            // Our own types always serialise; never panic over it all the same.
            Err(e) => {
                tracing::error!("could not encode messages: {e}");
                None
            }
        }
    }
}

struct Entry {
    id: ConnId,
    session: Uuid,
    tx: queue::Sender,
    /// Bytes queued and not yet taken by the connection.
    queued: Arc<AtomicUsize>,
}

impl Entry {
    /// Queues `frame`; false when the connection is gone or too far behind to keep.
    fn offer(&self, frame: Outbound, max_bytes: usize) -> bool {
        let bytes = frame.bytes();
        if self.queued.fetch_add(bytes, Ordering::Relaxed) + bytes > max_bytes {
            return false;
        }
        self.tx.try_send(frame)
    }
}

/// Registry of live connections.
pub struct Hub {
    conns: RwLock<HashMap<UserId, Vec<Entry>>>,
    next_id: AtomicU64,
    queue: usize,
    max_bytes: usize,
    per_user: usize,
}

/// A connection's place in the hub; unregisters itself when dropped.
pub struct Registration {
    /// This connection's id.
    pub id: ConnId,
    rx: queue::Receiver,
    queued: Arc<AtomicUsize>,
    user: UserId,
    hub: Arc<Hub>,
}

impl Registration {
    /// The next frame for this connection; `None` once the hub has dropped it.
    pub async fn recv(&mut self) -> Option<Outbound> {
        let out = self.rx.recv().await?;
        self.taken(&out);
        Some(out)
    }

    /// The next frame if one is queued already.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let out = self.rx.try_recv()?;
        self.taken(&out);
        Some(out)
    }

    fn taken(&self, out: &Outbound) {
        self.queued.fetch_sub(out.bytes(), Ordering::Relaxed);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.remove(self.user, self.id);
    }
}

impl Hub {
    /// A hub whose per-connection queues hold up to `queue` frames and `max_bytes` bytes, with
    /// at most `per_user` live connections per user.
    pub fn new(queue: usize, max_bytes: usize, per_user: usize) -> Self {
        Self {
            conns: RwLock::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            queue,
            max_bytes,
            per_user,
        }
    }

    /// Adds a connection of `user`, opened with session `session`; `None` when the user has as
    /// many live connections as allowed.
    pub fn register(self: &Arc<Self>, user: UserId, session: Uuid) -> Option<Registration> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = queue::queue(self.queue);
        let queued = Arc::new(AtomicUsize::new(0));
        let mut conns = self.write();
        let entries = conns.entry(user).or_default();
        if entries.len() >= self.per_user {
            return None;
        }
        entries.push(Entry {
            id,
            session,
            tx,
            queued: queued.clone(),
        });
        Some(Registration {
            id,
            rx,
            queued,
            user,
            hub: self.clone(),
        })
    }

    /// Number of live connections.
    pub fn connection_count(&self) -> usize {
        self.read().values().map(Vec::len).sum()
    }

    /// Queues `frame` for every connection of `users`, except `except`.
    pub fn publish(&self, users: &[UserId], frame: Outbound, except: Option<ConnId>) {
        let mut dead = Vec::new();
        {
            let conns = self.read();
            for user in users {
                for entry in conns.get(user).into_iter().flatten() {
                    if Some(entry.id) != except && !entry.offer(frame.clone(), self.max_bytes) {
                        // Full (too slow: it will resume) or closed (already gone).
                        dead.push((*user, entry.id));
                    }
                }
            }
        }
        for (user, id) in dead {
            self.remove(user, id);
        }
    }

    /// Queues `frame` for one connection.
    pub fn send_to(&self, user: UserId, conn: ConnId, frame: Outbound) {
        let failed = self
            .read()
            .get(&user)
            .and_then(|entries| entries.iter().find(|e| e.id == conn))
            .is_some_and(|e| !e.offer(frame, self.max_bytes));
        if failed {
            self.remove(user, conn);
        }
    }

    /// Closes every connection opened with `session` (after logout).
    pub fn close_session(&self, session: Uuid, reason: &'static str) {
        for entries in self.read().values() {
            for entry in entries.iter().filter(|e| e.session == session) {
                // If the queue is full the connection is dropped below anyway.
                let _ = entry.tx.try_send(Outbound::Close { code: 4001, reason });
            }
        }
        self.write().values_mut().for_each(|entries| {
            entries.retain(|e| e.session != session);
        });
    }

    /// Asks every connection to close (server shutdown); clients reconnect and resume.
    pub fn close_all(&self, reason: &'static str) {
        for entry in self.read().values().flatten() {
            let _ = entry.tx.try_send(Outbound::Close { code: 1012, reason });
        }
        self.write().clear();
    }

    fn remove(&self, user: UserId, id: ConnId) {
        let mut conns = self.write();
        if let Some(entries) = conns.get_mut(&user) {
            entries.retain(|e| e.id != id);
            if entries.is_empty() {
                conns.remove(&user);
            }
        }
    }

    // A panic while holding the lock cannot leave the map inconsistent (every update is a single
    // insert or retain), so a poisoned lock is safe to keep using.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<UserId, Vec<Entry>>> {
        self.conns.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<UserId, Vec<Entry>>> {
        self.conns.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn publishes_to_all_but_the_origin_and_drops_lagging_connections() {
        let hub = Arc::new(Hub::new(2, 1024, 4));
        let alice = UserId::new();
        let mut a1 = hub.register(alice, Uuid::now_v7()).unwrap();
        let mut a2 = hub.register(alice, Uuid::now_v7()).unwrap();
        hub.publish(&[alice], Outbound::Frame("x".into()), Some(a1.id));
        assert!(a1.try_recv().is_none());
        assert!(matches!(a2.try_recv(), Some(Outbound::Frame(t)) if t.as_str() == "x"));
        // Fill a2's queue (2) and overflow it: it is removed, a1 stays.
        for _ in 0..3 {
            hub.publish(&[alice], Outbound::Frame("y".into()), Some(a1.id));
        }
        assert_eq!(hub.connection_count(), 1);
        drop(a1);
        assert_eq!(hub.connection_count(), 0);
    }

    #[tokio::test]
    async fn closing_a_session_closes_only_its_connections() {
        let hub = Arc::new(Hub::new(8, 1024, 4));
        let user = UserId::new();
        let (s1, s2) = (Uuid::now_v7(), Uuid::now_v7());
        let mut c1 = hub.register(user, s1).unwrap();
        let _c2 = hub.register(user, s2).unwrap();
        hub.close_session(s1, "logged out");
        assert!(matches!(c1.try_recv(), Some(Outbound::Close { .. })));
        assert_eq!(hub.connection_count(), 1);
    }

    #[tokio::test]
    async fn bounds_queued_bytes_and_connections_per_user() {
        let hub = Arc::new(Hub::new(64, 10, 2));
        let user = UserId::new();
        let mut reader = hub.register(user, Uuid::now_v7()).unwrap();
        let _stalled = hub.register(user, Uuid::now_v7()).unwrap();
        assert!(hub.register(user, Uuid::now_v7()).is_none());
        // Six bytes, taken by the reader; then six more fit for it but not for the stalled one.
        hub.publish(&[user], Outbound::Frame("123456".into()), None);
        assert!(reader.try_recv().is_some());
        hub.publish(&[user], Outbound::Frame("abcdef".into()), None);
        assert_eq!(hub.connection_count(), 1);
        assert!(reader.try_recv().is_some());
        // Its place is free again.
        assert!(hub.register(user, Uuid::now_v7()).is_some());
    }
}
