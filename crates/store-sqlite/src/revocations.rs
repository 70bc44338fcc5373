//! Session revocations made by other processes on the same database file.
//!
//! A running `tessera serve` caches live sessions, while `tessera sessions end`, `tessera
//! import` or a second server on the same file revoke them in their own process. SQLite
//! has no notifications between processes, so the feed polls: about once a second it reads
//! the sessions revoked since the newest revocation it has seen and delivers their ids, as
//! the PostgreSQL engine delivers its `NOTIFY` payloads. The read is one short statement on
//! a partial, covering index (`sessions_revoked_at_idx`): no write lock, no long-lived read
//! transaction holding back WAL checkpoints, and no rows at all when nothing was revoked.
//!
//! The watermark is a stored `revoked_at`, which its writer took before waiting for the
//! write lock, so a revocation can commit after a newer one was already read. Each poll
//! therefore looks back [`OVERLAP`] before the watermark, shrinking the look-back as
//! time passes without a newer revocation (after [`OVERLAP`] of quiet, a poll reads only
//! what is newer than the watermark, so an idle server reads nothing). Sessions inside the
//! look-back are delivered again: forgetting twice is harmless, and it also drops a session
//! that a verification cached from a read made just before its revocation was delivered.

use std::time::Duration;

use sqlx::sqlite::SqlitePool;
use sqlx::Row;
use tessera_core::domain::SessionId;
use tessera_core::store::{RevocationEvent, StoreError, StoreResult};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::codec::db_err;

/// How often the feed looks for new revocations: how long, at most, a server keeps
/// accepting a session another process has revoked (plus one query).
pub(crate) const POLL_EVERY: Duration = Duration::from_secs(1);

/// Longest wait between polls while the database keeps failing (each failure doubles it).
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// How far before the watermark a poll looks again: longer than a writer waits for the
/// write lock ([`crate::BUSY_TIMEOUT`]) plus a poll, so a revocation whose writer read the
/// clock before a newer one committed is still read once it commits. A writer held up
/// longer (a starved connection pool) is covered by the session cache's own revalidation
/// of entries on a shared store.
const OVERLAP: Duration = Duration::from_secs(2 * crate::BUSY_TIMEOUT.as_secs());

/// Rows per statement and ids per event, so a mass revocation (`sessions end --all`) is
/// read and delivered in bounded pieces and each cache update is short.
const PAGE: i64 = 500;

/// Events buffered for a slow consumer before the poller waits for it.
const CHANNEL_CAPACITY: usize = 64;

/// Starts polling `pool`; the feed ends when the receiver is dropped or the pool is closed.
pub(crate) async fn feed(pool: &SqlitePool) -> StoreResult<mpsc::Receiver<RevocationEvent>> {
    let poller = Poller::start(pool.clone(), PAGE).await?;
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    tokio::spawn(poller.run(tx));
    Ok(rx)
}

/// Why a poll did not complete.
enum PollError {
    /// The pool was closed or the receiver dropped: the feed is over.
    Stopped,
    /// A database error; the next poll retries from the same watermark.
    Failed(StoreError),
}

/// The polling state: the newest revocation seen and since when it is the newest.
struct Poller {
    pool: SqlitePool,
    page: i64,
    /// Largest `revoked_at` read (unix microseconds); `None` while the table has none.
    newest: Option<i64>,
    /// When `newest` last moved, on the monotonic clock (the look-back shrinks from it).
    newest_moved: Instant,
}

impl Poller {
    /// Starts from the newest revocation already stored: older ones happened before this
    /// server cached anything, so they need not be delivered.
    async fn start(pool: SqlitePool, page: i64) -> StoreResult<Self> {
        let newest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(revoked_at) FROM sessions WHERE revoked_at IS NOT NULL")
                .fetch_one(&pool)
                .await
                .map_err(db_err)?;
        Ok(Self {
            pool,
            page,
            newest,
            newest_moved: Instant::now(),
        })
    }

    /// Polls until the receiver is dropped or the pool is closed, sleeping in between.
    async fn run(mut self, tx: mpsc::Sender<RevocationEvent>) {
        let closed = self.pool.close_event();
        tokio::pin!(closed);
        let mut wait = POLL_EVERY;
        let mut failing = false;
        loop {
            tokio::select! {
                () = tx.closed() => return,
                () = &mut closed => return,
                () = tokio::time::sleep(wait) => {}
            }
            match self.poll(&tx).await {
                Ok(()) => {
                    if failing {
                        // A revocation committed late while polls failed may lie behind
                        // the watermark by now: forget every cached session to be safe.
                        tracing::info!("revocation polling recovered; session cache cleared");
                        if tx.send(RevocationEvent::Reset).await.is_err() {
                            return;
                        }
                    }
                    failing = false;
                    wait = POLL_EVERY;
                }
                Err(PollError::Stopped) => return,
                Err(PollError::Failed(e)) => {
                    tracing::warn!(error = %e, retry_in = ?wait, "polling session revocations failed");
                    failing = true;
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
            }
        }
    }

    /// Smallest `revoked_at` (exclusive) the next poll reads: the watermark minus what is
    /// left of the look-back.
    fn since(&self, now: Instant) -> i64 {
        let Some(newest) = self.newest else {
            return i64::MIN;
        };
        let left = OVERLAP.saturating_sub(now.saturating_duration_since(self.newest_moved));
        let left = i64::try_from(left.as_micros()).unwrap_or(i64::MAX);
        newest.saturating_sub(left)
    }

    /// Reads every session revoked after [`Poller::since`], a page per statement in
    /// `(revoked_at, id)` order, and sends each page's ids as one event.
    async fn poll(&mut self, tx: &mpsc::Sender<RevocationEvent>) -> Result<(), PollError> {
        // Keyset cursor: the rows after (at, id). Ids are 16-byte blobs, so no id follows
        // sixteen 0xff bytes and the first page reads exactly the rows revoked after since.
        let mut at = self.since(Instant::now());
        let mut id = vec![0xff_u8; 16];
        loop {
            let rows = sqlx::query(
                "SELECT id, revoked_at FROM sessions \
                 WHERE revoked_at >= ?1 AND (revoked_at > ?1 OR id > ?2) \
                 ORDER BY revoked_at, id LIMIT ?3",
            )
            .bind(at)
            .bind(&id)
            .bind(self.page)
            .fetch_all(&self.pool)
            .await
            .map_err(failed)?;
            let mut ids = Vec::with_capacity(rows.len());
            for row in &rows {
                id = row.try_get("id").map_err(failed)?;
                at = row.try_get("revoked_at").map_err(failed)?;
                if let Ok(uuid) = uuid::Uuid::from_slice(&id) {
                    ids.push(SessionId(uuid));
                }
            }
            if !ids.is_empty() && tx.send(RevocationEvent::Revoked(ids)).await.is_err() {
                return Err(PollError::Stopped);
            }
            if !rows.is_empty() && self.newest.is_none_or(|newest| at > newest) {
                self.newest = Some(at);
                self.newest_moved = Instant::now();
            }
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) < self.page {
                return Ok(());
            }
        }
    }
}

/// A closed pool ends the feed; any other error is retried.
fn failed(e: sqlx::Error) -> PollError {
    match e {
        sqlx::Error::PoolClosed => PollError::Stopped,
        e => PollError::Failed(db_err(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use tessera_core::store::{SessionStore, Store, UserStore};
    use tessera_store_tests::fixtures::{new_user, session};
    use time::OffsetDateTime;

    use super::*;
    use crate::SqliteStore;

    /// Generous bound for something that should take about one poll: only there to fail
    /// instead of hanging.
    const PATIENCE: Duration = Duration::from_secs(20);

    async fn open(path: &std::path::Path) -> SqliteStore {
        SqliteStore::connect(path.to_str().unwrap()).await.unwrap()
    }

    /// A user with `n` live sessions in `store`.
    async fn sessions(store: &SqliteStore, email: &str, n: i64) -> Vec<SessionId> {
        let user = store
            .insert_user(&new_user(email, None, 0), &[])
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            let s = session(user.id, i);
            store.create_session(&s, false).await.unwrap();
            ids.push(s.id);
        }
        ids
    }

    /// Waits (bounded) until the feed has delivered every id in `want`.
    async fn delivered(feed: &mut mpsc::Receiver<RevocationEvent>, want: &[SessionId]) {
        let mut missing: std::collections::HashSet<SessionId> = want.iter().copied().collect();
        tokio::time::timeout(PATIENCE, async {
            while !missing.is_empty() {
                match feed.recv().await {
                    Some(RevocationEvent::Revoked(ids)) => {
                        for id in ids {
                            missing.remove(&id);
                        }
                    }
                    Some(RevocationEvent::Reset) => {}
                    None => panic!("the feed ended"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("not delivered within {PATIENCE:?}: {missing:?}"));
    }

    /// Two stores opened on one file stand for two processes (`tessera serve` and the
    /// CLI): what one revokes, the other's feed delivers, one session and a whole account.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn revocations_by_another_store_on_the_file_are_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tessera.db");
        let server = open(&path).await;
        let cli = open(&path).await;
        let ids = sessions(&cli, "feed@example.com", 3).await;
        let mut feed = server.revocation_feed().await.unwrap().expect("a feed");

        assert!(cli
            .revoke_session(ids[0], OffsetDateTime::now_utc())
            .await
            .unwrap());
        delivered(&mut feed, &ids[..1]).await;

        let user = cli.session_by_id(ids[1]).await.unwrap().unwrap().user_id;
        let ended = cli
            .revoke_user_sessions(user, None, OffsetDateTime::now_utc())
            .await
            .unwrap();
        assert_eq!(ended.len(), 2);
        delivered(&mut feed, &ids[1..]).await;

        server.close().await;
        cli.close().await;
    }

    /// A revocation whose writer read the clock before a newer one was already delivered
    /// (it waited for the write lock) is still delivered when it commits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revocation_committed_after_a_newer_one_is_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tessera.db");
        let server = open(&path).await;
        let cli = open(&path).await;
        let ids = sessions(&cli, "late@example.com", 2).await;
        let mut feed = server.revocation_feed().await.unwrap().expect("a feed");
        let now = OffsetDateTime::now_utc();

        cli.revoke_session(ids[0], now).await.unwrap();
        delivered(&mut feed, &ids[..1]).await;
        cli.revoke_session(ids[1], now - time::Duration::seconds(3))
            .await
            .unwrap();
        delivered(&mut feed, &ids[1..]).await;

        server.close().await;
        cli.close().await;
    }

    /// A revocation larger than a page arrives whole, in page-sized events; revocations
    /// made before the feed started are not delivered once the look-back has passed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polls_read_in_pages_and_start_from_the_newest_revocation() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("tessera.db")).await;
        let before = sessions(&store, "before@example.com", 1).await;
        store
            .revoke_session(before[0], OffsetDateTime::now_utc())
            .await
            .unwrap();
        let ids = sessions(&store, "pages@example.com", 7).await;

        let mut poller = Poller::start(store.pool.clone(), 3).await.unwrap();
        poller.newest_moved -= OVERLAP;
        let (tx, mut rx) = mpsc::channel(16);
        poller.poll(&tx).await.ok().unwrap();
        assert!(rx.try_recv().is_err(), "nothing new yet");

        let user = store.session_by_id(ids[0]).await.unwrap().unwrap().user_id;
        store
            .revoke_user_sessions(user, None, OffsetDateTime::now_utc())
            .await
            .unwrap();
        poller.poll(&tx).await.ok().unwrap();
        let mut got = Vec::new();
        while let Ok(event) = rx.try_recv() {
            let RevocationEvent::Revoked(batch) = event else {
                panic!("unexpected {event:?}");
            };
            assert!(batch.len() <= 3, "{batch:?}");
            got.extend(batch);
        }
        got.sort_by_key(|id| id.0);
        let mut want = ids.clone();
        want.sort_by_key(|id| id.0);
        assert_eq!(got, want);

        // Once the look-back has passed, a poll reads nothing again.
        poller.newest_moved -= OVERLAP;
        poller.poll(&tx).await.ok().unwrap();
        assert!(rx.try_recv().is_err());
        store.close().await;
    }

    /// The poll reads the partial covering index, never the table.
    #[tokio::test]
    async fn the_poll_uses_the_revoked_at_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("tessera.db")).await;
        let rows = sqlx::query(
            "EXPLAIN QUERY PLAN SELECT id, revoked_at FROM sessions \
             WHERE revoked_at >= ?1 AND (revoked_at > ?1 OR id > ?2) \
             ORDER BY revoked_at, id LIMIT ?3",
        )
        .bind(0_i64)
        .bind(vec![0xff_u8; 16])
        .bind(PAGE)
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get("detail")).collect();
        assert!(
            plan.iter()
                .any(|d| d.contains("COVERING INDEX sessions_revoked_at_idx")),
            "{plan:?}"
        );
        store.close().await;
    }

    /// The feed ends when its store is closed (and so stops polling), within a bound.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_feed_ends_when_the_store_closes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open(&dir.path().join("tessera.db")).await);
        let mut feed = store.revocation_feed().await.unwrap().expect("a feed");
        store.close().await;
        let end = tokio::time::timeout(PATIENCE, async {
            loop {
                if feed.recv().await.is_none() {
                    return;
                }
            }
        })
        .await;
        assert!(end.is_ok(), "the feed outlived its store");
    }
}
