//! The SQLite backend: a pool of readers and one writer thread that group-commits.

mod accounts;
mod business;
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
    /// it registers with [`Tx::after_commit`] run only if the commit succeeds; an error rolls
    /// back its writes (and only its own).
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
}
