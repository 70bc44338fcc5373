//! The outbox dispatcher: delivers queued mail and SMS with retries and exponential
//! backoff. Messages are rows written with the change that caused them, so nothing is lost
//! across restarts, and claiming uses a lease so several nodes can run dispatchers.

use std::future::Future;
use std::time::Duration as StdDuration;

use time::Duration;

use super::Core;
use crate::domain::{OutboxChannel, OutboxMessage};
use crate::error::CoreResult;
use crate::ports::{SharedMail, SharedSms};

/// Retry schedule.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a message is given up (dead).
    pub max_attempts: i32,
    /// Delay after the first failure; doubles each time.
    pub base_delay_secs: i64,
    /// Longest delay between attempts.
    pub max_delay_secs: i64,
    /// How long a claimed message is reserved for one dispatcher.
    pub lease_secs: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay_secs: 5,
            max_delay_secs: 3600,
            lease_secs: 120,
        }
    }
}

impl RetryPolicy {
    /// Delay before the next try after `attempts` failed attempts.
    pub fn delay_after(&self, attempts: i32) -> Duration {
        let exp = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
        let secs = self.base_delay_secs.saturating_mul(1i64 << exp.min(20));
        Duration::seconds(secs.min(self.max_delay_secs))
    }
}

/// Delivers the outbox through the configured transports.
#[derive(Clone)]
pub struct Dispatcher {
    core: Core,
    mail: SharedMail,
    sms: SharedSms,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher for `core`'s outbox.
    pub fn new(core: Core, mail: SharedMail, sms: SharedSms, retry: RetryPolicy) -> Self {
        Self {
            core,
            mail,
            sms,
            retry,
        }
    }

    /// Delivers every message due now (in batches); returns how many were attempted.
    pub async fn run_once(&self) -> CoreResult<usize> {
        let mut attempted = 0;
        loop {
            let now = self.core.now();
            let lease = now + Duration::seconds(self.retry.lease_secs);
            let batch = self.core.store().claim_due(now, lease, 32).await?;
            if batch.is_empty() {
                return Ok(attempted);
            }
            for msg in &batch {
                self.deliver(msg).await?;
            }
            attempted += batch.len();
            if attempted >= 10_000 {
                return Ok(attempted);
            }
        }
    }

    async fn deliver(&self, msg: &OutboxMessage) -> CoreResult<()> {
        let result = match msg.channel {
            OutboxChannel::Mail => self.mail.send_mail(msg).await,
            OutboxChannel::Sms => self.sms.send_sms(msg).await,
        };
        let store = self.core.store();
        match result {
            Ok(()) => {
                store.mark_sent(msg.id, self.core.now()).await?;
                tracing::info!(id = %msg.id, channel = msg.channel.as_str(), "outbox message delivered");
            }
            Err(e) => {
                let attempts = msg.attempts + 1;
                let dead = e.permanent || attempts >= self.retry.max_attempts;
                let next = self.core.now() + self.retry.delay_after(attempts);
                store.mark_failed(msg.id, &e.message, next, dead).await?;
                tracing::warn!(id = %msg.id, channel = msg.channel.as_str(), attempts, dead,
                    error = %e.message, "outbox delivery failed");
            }
        }
        Ok(())
    }

    /// Runs until `shutdown` resolves: delivers what is due, then waits for a new message
    /// or the poll interval.
    pub async fn run(self, poll: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %e, "outbox dispatcher pass failed");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = self.core.inner.outbox_signal.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_after(1), Duration::seconds(5));
        assert_eq!(p.delay_after(2), Duration::seconds(10));
        assert_eq!(p.delay_after(4), Duration::seconds(40));
        assert_eq!(p.delay_after(30), Duration::seconds(3600));
    }
}
