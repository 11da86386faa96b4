//! A connection's queue of outgoing frames: one writer side held by the hub, one reader side
//! held by the connection.
//!
//! Written here rather than taken from tokio's `mpsc`: that channel allocates its first block
//! of 32 slots (1.5 KiB) when it is created, and most connections sit idle with nothing queued.
//! This queue holds memory only while frames wait, and gives it back once they are taken.

use super::Outbound;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Frames a drained queue may keep room for; a queue that grew past it after a burst shrinks.
const KEEP_ROOM: usize = 16;

struct Shared {
    frames: Mutex<Frames>,
    ready: Notify,
}

#[derive(Default)]
struct Frames {
    queued: VecDeque<Outbound>,
    /// The hub let go of this connection: nothing more will come.
    closed: bool,
}

impl Shared {
    // A panic while the lock is held cannot leave the queue inconsistent (each change is one
    // push or pop), so a poisoned lock is safe to keep using.
    fn frames(&self) -> MutexGuard<'_, Frames> {
        self.frames.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The hub's side; dropping it tells the connection it was let go.
pub(super) struct Sender {
    shared: Arc<Shared>,
    limit: usize,
}

/// The connection's side.
pub(super) struct Receiver {
    shared: Arc<Shared>,
}

/// A queue holding at most `limit` frames.
pub(super) fn queue(limit: usize) -> (Sender, Receiver) {
    let shared = Arc::new(Shared {
        frames: Mutex::new(Frames::default()),
        ready: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
            limit,
        },
        Receiver { shared },
    )
}

impl Sender {
    /// Queues `frame`; false when the queue is full.
    pub(super) fn try_send(&self, frame: Outbound) -> bool {
        {
            let mut frames = self.shared.frames();
            if frames.queued.len() >= self.limit {
                return false;
            }
            frames.queued.push_back(frame);
        }
        self.shared.ready.notify_one();
        true
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.shared.frames().closed = true;
        self.shared.ready.notify_one();
    }
}

impl Receiver {
    /// The next frame, waiting for one; `None` once the hub let go and everything was taken.
    /// Cancel-safe: a frame is only taken when it is returned.
    pub(super) async fn recv(&self) -> Option<Outbound> {
        loop {
            {
                let mut frames = self.shared.frames();
                if let Some(frame) = take(&mut frames) {
                    return Some(frame);
                }
                if frames.closed {
                    return None;
                }
            }
            // A frame queued after the check above left a permit: this returns at once.
            self.shared.ready.notified().await;
        }
    }

    /// The next frame if one is queued.
    pub(super) fn try_recv(&self) -> Option<Outbound> {
        take(&mut self.shared.frames())
    }
}

fn take(frames: &mut Frames) -> Option<Outbound> {
    let frame = frames.queued.pop_front()?;
    if frames.queued.is_empty() && frames.queued.capacity() > KEEP_ROOM {
        frames.queued = VecDeque::new();
    }
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn frame(text: &'static str) -> Outbound {
        Outbound::Frame(text.into())
    }

    #[tokio::test]
    async fn frames_arrive_in_order_up_to_the_limit_then_the_end() {
        let (tx, rx) = queue(2);
        assert!(tx.try_send(frame("a")));
        assert!(tx.try_send(frame("b")));
        assert!(!tx.try_send(frame("c")), "full");
        assert!(matches!(rx.recv().await, Some(Outbound::Frame(t)) if t.as_str() == "a"));
        assert!(matches!(rx.try_recv(), Some(Outbound::Frame(t)) if t.as_str() == "b"));
        assert!(rx.try_recv().is_none());
        assert!(tx.try_send(frame("d")));
        drop(tx);
        assert!(
            rx.recv().await.is_some(),
            "what was queued is still delivered"
        );
        assert!(rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_frame() {
        let (tx, rx) = queue(8);
        let waiting = tokio::spawn(async move { rx.recv().await.map(|f| f.bytes()) });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(tx.try_send(frame("hello")));
        let got = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert_eq!(got.unwrap().unwrap(), Some(5));
    }

    #[tokio::test]
    async fn a_drained_queue_gives_its_room_back() {
        let (tx, rx) = queue(1000);
        for _ in 0..500 {
            assert!(tx.try_send(frame("x")));
        }
        while rx.try_recv().is_some() {}
        assert_eq!(rx.shared.frames().queued.capacity(), 0);
    }
}
