//! The SQLite backend: a pool of readers and one writer thread that group-commits.

mod accounts;
mod business;
mod catch_up;
mod conversations;
mod engine;
mod inbox;
mod messages;
mod rows;
mod safety;
mod schema;
mod uploads;

use super::tx::TxState;
use super::{Data, DbError, DbResult, Tx, Work};
use kontor_protocol::Pos;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Reader connections in the pool.
const READERS: u32 = 8;
/// Units of work queued for the writer before senders wait (when the disk cannot keep up).
const WRITE_QUEUE: usize = 16 * 1024;

/// A SQLite connection seen through the storage traits.
pub(crate) struct Sql<'c>(pub(crate) &'c Connection);

/// Handle to the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// One per pooled connection: reads wait here, not on a blocking thread each (a flood of
    /// reads would otherwise start hundreds of threads parked in the pool).
    readers: Arc<Semaphore>,
    writes: mpsc::Sender<Work>,
    committed_pos: Arc<AtomicU64>,
}

impl Db {
    /// Opens (creating and migrating) the database file and starts the writer thread.
    pub fn open(path: &Path) -> DbResult<Self> {
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn)?;
        let committed = schema::max_pos(&conn)?;
        let committed_pos = Arc::new(AtomicU64::new(committed));

        let manager = SqliteConnectionManager::file(path).with_init(|c| schema::configure(c));
        let pool = r2d2::Pool::builder().max_size(READERS).build(manager)?;

        let (writes, rx) = mpsc::channel(WRITE_QUEUE);
        let state = TxState::after(Pos(committed));
        engine::spawn(conn, rx, committed_pos.clone(), state)?;
        Ok(Self {
            pool,
            readers: Arc::new(Semaphore::new(READERS as usize)),
            writes,
            committed_pos,
        })
    }

    /// Highest event position whose commit has finished (and whose effects ran).
    pub fn committed_pos(&self) -> u64 {
        self.committed_pos.load(Ordering::Acquire)
    }

    /// Queues a unit of work for the next group commit without waiting for it; its
    /// [`super::Finish`] answers.
    pub async fn submit(&self, work: Work) -> DbResult<()> {
        self.writes
            .send(work)
            .await
            .map_err(|_| DbError::WriterGone)
    }

    /// Runs `work` inside the next group commit and answers its result once committed. Effects
    /// it registers with [`Tx::after_commit`] run only if the commit succeeds. Check before
    /// writing: an error before any write refuses this work alone; an error after a write rolls
    /// back the whole batch, and the other work in it is answered [`DbError::WriterGone`].
    pub async fn transact<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let work: Work = Box::new(move |tx: &mut Tx<'_>| {
            let result = work(tx);
            let keep = result.is_ok();
            let effects = tx.take_effects();
            let finish: super::Finish = Box::new(move |committed| {
                let result = match result {
                    Ok(_) if !committed => Err(DbError::WriterGone.into()),
                    other => other,
                };
                if result.is_ok() {
                    for effect in effects {
                        effect();
                    }
                }
                let _ = reply.send(result);
            });
            (keep, finish)
        });
        self.submit(work).await?;
        rx.await.map_err(|_| DbError::WriterGone)?
    }

    /// Runs a read on a pooled connection off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&dyn Data) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let reader = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| DbError::TaskFailed)?;
        tokio::task::spawn_blocking(move || {
            let _reader = reader;
            let conn = pool.get().map_err(DbError::from)?;
            f(&Sql(&conn))
        })
        .await
        .map_err(|_| DbError::TaskFailed)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontor_protocol::{Handle, User, UserId};
    use std::sync::Mutex;

    fn person(handle: &str) -> User {
        User::person(UserId::new(), Handle::parse(handle).unwrap(), handle.into())
    }

    #[tokio::test]
    async fn a_refused_unit_of_work_keeps_nothing_and_publishes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite3")).unwrap();
        let ran = Arc::new(Mutex::new(Vec::new()));

        let log = ran.clone();
        let refused: Result<(), DbError> = db
            .transact(move |tx| {
                tx.take_pos();
                tx.insert_person(&person("ada"), "hash", 1)?;
                tx.after_commit(move || log.lock().unwrap().push("refused"));
                Err(DbError::Corrupt("on purpose"))
            })
            .await;
        assert!(refused.is_err());
        assert_eq!(
            db.committed_pos(),
            0,
            "positions of a refusal are given back"
        );

        let log = ran.clone();
        let pos = db
            .transact(move |tx| {
                let pos = tx.take_pos();
                tx.insert_person(&person("ben"), "hash", 1)?;
                tx.after_commit(move || log.lock().unwrap().push("kept"));
                Ok::<_, DbError>(pos)
            })
            .await
            .unwrap();
        assert_eq!(pos, Pos(1), "the next unit of work reuses the position");
        assert_eq!(db.committed_pos(), 1);
        assert_eq!(*ran.lock().unwrap(), vec!["kept"]);

        let ada = Handle::parse("ada").unwrap();
        let ben = Handle::parse("ben").unwrap();
        let (ada, ben) = db
            .read(move |d| Ok::<_, DbError>((d.user_by_handle(&ada)?, d.user_by_handle(&ben)?)))
            .await
            .unwrap();
        assert!(ada.is_none(), "the refused write was rolled back");
        assert!(ben.is_some());
    }

    /// Holds the writer inside a unit of work until `release` is sent, so that what is
    /// submitted meanwhile forms the next batch.
    async fn hold_writer(db: &Db) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = oneshot::channel();
        let work: Work = Box::new(move |_tx: &mut Tx<'_>| {
            let _ = started.send(());
            let _ = wait.recv();
            (true, Box::new(|_| {}) as crate::db::Finish)
        });
        db.submit(work).await.unwrap();
        running.await.unwrap();
        release
    }

    fn handle_exists(db: &Db, handle: &str) -> impl Future<Output = bool> + use<> {
        let db = db.clone();
        let handle = Handle::parse(handle).unwrap();
        async move {
            db.read(move |d| Ok::<_, DbError>(d.user_by_handle(&handle)?.is_some()))
                .await
                .unwrap()
        }
    }

    #[tokio::test]
    async fn a_refusal_in_a_batch_leaves_its_neighbours_committed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite3")).unwrap();
        let release = hold_writer(&db).await;
        let kept = db.transact(|tx| {
            tx.take_pos();
            tx.insert_person(&person("ada"), "hash", 1)?;
            Ok::<_, DbError>(())
        });
        let refused = db.transact(|tx| {
            tx.take_pos();
            Err::<(), _>(DbError::Corrupt("refused before writing"))
        });
        let after = db.transact(|tx| {
            let pos = tx.take_pos();
            tx.insert_person(&person("ben"), "hash", 1)?;
            Ok::<_, DbError>(pos)
        });
        release.send(()).unwrap();
        let (kept, refused, after) = tokio::join!(kept, refused, after);
        assert!(kept.is_ok());
        assert!(matches!(refused, Err(DbError::Corrupt(_))));
        assert_eq!(after.unwrap(), Pos(2), "the refusal gave its position back");
        assert!(handle_exists(&db, "ada").await && handle_exists(&db, "ben").await);
    }

    #[tokio::test]
    async fn a_unit_that_fails_after_writing_takes_its_batch_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite3")).unwrap();
        let release = hold_writer(&db).await;
        let neighbour = db.transact(|tx| {
            tx.take_pos();
            tx.insert_person(&person("ada"), "hash", 1)?;
            Ok::<_, DbError>(())
        });
        let failing = db.transact(|tx| {
            tx.take_pos();
            tx.insert_person(&person("ben"), "hash", 1)?;
            Err::<(), _>(DbError::Corrupt("failed after writing"))
        });
        release.send(()).unwrap();
        let (neighbour, failing) = tokio::join!(neighbour, failing);
        assert!(
            matches!(neighbour, Err(DbError::WriterGone)),
            "the neighbour is told to retry: {neighbour:?}"
        );
        assert!(failing.is_err());
        assert!(!handle_exists(&db, "ada").await && !handle_exists(&db, "ben").await);
        assert_eq!(db.committed_pos(), 0);

        // The writer goes on: the retried neighbour is kept.
        db.transact(|tx| {
            tx.take_pos();
            tx.insert_person(&person("ada"), "hash", 1)?;
            Ok::<_, DbError>(())
        })
        .await
        .unwrap();
        assert!(handle_exists(&db, "ada").await);
    }
}
