//! Bounded pools for heavy blocking work: password hashing and picture decoding.
//!
//! Each such job takes tens of milliseconds and up to hundreds of MiB (argon2id: 19 MiB; a large
//! picture: its pixels). A few run at once on threads of their own; a bounded number of requests
//! may wait for them; more are refused at once with [`Busy`]. A place is held by the job itself,
//! not by the request, so clients that hang up cannot leave jobs running beyond the places (an
//! unbounded pile of abandoned password hashes is what grew memory to gigabytes under a login
//! flood). The threads are fixed rather than tokio's blocking pool: the allocator keeps memory a
//! thread freed for its reuse, and the blocking pool starts new threads freely, so memory grew
//! with every thread it had ever used.

use std::sync::Arc;
use tokio::sync::{Semaphore, oneshot};

/// No room in the line: the server is busy with this kind of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy")]
pub struct Busy;

/// A few threads and a bounded line for them.
pub struct Workers {
    threads: rayon::ThreadPool,
    /// Jobs running or waiting.
    places: Arc<Semaphore>,
}

impl Workers {
    /// `threads` jobs at once, at most `line` more waiting; threads are named `{name}-{i}`.
    pub fn new(name: &'static str, threads: usize, line: usize) -> Self {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(move |i| format!("{name}-{i}"))
            .build()
            // Only fails when the OS cannot start a thread, before the server serves anyone.
            .expect("start worker threads");
        Self {
            threads: pool,
            places: Arc::new(Semaphore::new(threads.max(1) + line)),
        }
    }

    /// Runs `work` on one of the threads, or refuses at once when the line is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let place = self.places.clone().try_acquire_owned().map_err(|_| Busy)?;
        let (done, result) = oneshot::channel();
        self.threads.spawn(move || {
            let _place = place;
            // The request may be gone; its place was still held until now.
            let _ = done.send(work());
        });
        result.await.map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn refuses_beyond_the_line_and_keeps_the_slot_until_the_work_ends() {
        let slots = Arc::new(Workers::new("test", 1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let slots = slots.clone();
            async move { slots.run(move || hold.recv().is_ok()).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn({
            let slots = slots.clone();
            async move { slots.run(|| 2).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(slots.run(|| 3).await, Err(Busy));
        // The first request is abandoned: its hash still holds the slot.
        first.abort();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished());
        release.send(()).unwrap();
        assert_eq!(second.await.unwrap(), Ok(2));
    }
}
