//! The hashing pool: a fixed set of threads, started once, that run argon2 jobs at a low
//! scheduling priority.
//!
//! argon2 is meant to eat whole cores for tens of milliseconds. On the async runtime's
//! blocking pool at normal priority, a burst of sign-ins competes on equal terms with the
//! threads serving cheap requests (token checks), whose latency then grows with the queue.
//! Here the hashing threads are "nice" (`core.password.hash_low_priority`): the kernel runs
//! them whenever the request threads have nothing to do, so sign-ins still use every idle
//! cycle while token checks stay fast. The threads end when the last handle is dropped.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::error::CoreError;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A handle to the hashing threads; clones share them.
#[derive(Clone)]
pub(crate) struct HashPool {
    jobs: Arc<Mutex<Sender<Job>>>,
}

impl HashPool {
    /// Starts `threads` workers, lowered in priority when `low_priority`.
    pub(crate) fn start(threads: usize, low_priority: bool) -> Result<Self, CoreError> {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("tessera-hash-{i}"))
                .spawn(move || {
                    if low_priority {
                        lower_priority();
                    }
                    work(&rx);
                })
                .map_err(|e| CoreError::internal(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Self {
            jobs: Arc::new(Mutex::new(tx)),
        })
    }

    /// Runs `f` on a hashing thread and waits for its result without blocking the runtime.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may have gone away (request cancelled): nothing to do then.
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .map_err(|_| CoreError::internal("hashing queue poisoned"))?
            .send(job)
            .map_err(|_| CoreError::internal("hashing threads stopped"))?;
        rx.await
            .map_err(|_| CoreError::internal("a hashing job failed"))
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        // Hold the lock only to take one job; hashing runs unlocked.
        let job = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => {
                // A panicking job must not take the thread with it.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return, // every handle dropped
        }
    }
}

/// Makes the calling thread the kernel's lowest-priority normal thread (nice 19). Failure is
/// harmless (the thread keeps the default priority) and only logged.
fn lower_priority() {
    #[cfg(unix)]
    {
        use thread_priority::unix::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadSchedulePolicy,
        };
        use thread_priority::ThreadPriority;
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
        ) {
            tracing::debug!(error = ?e, "cannot lower the hashing thread's priority");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panicking_one() {
        let pool = HashPool::start(2, true).unwrap();
        assert_eq!(pool.run(|| 21 * 2).await.unwrap(), 42);
        assert!(pool.run(|| -> u8 { panic!("boom") }).await.is_err());
        let results = futures_join(&pool).await;
        assert_eq!(results, (0..8).map(|i| i * i).collect::<Vec<_>>());
    }

    async fn futures_join(pool: &HashPool) -> Vec<i32> {
        let mut out = Vec::new();
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.run(move || i * i).await.unwrap() })
            })
            .collect();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
