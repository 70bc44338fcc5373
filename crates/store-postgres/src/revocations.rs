//! Cross-node session revocation over PostgreSQL `LISTEN/NOTIFY`: every node caches live
//! sessions, so a revocation committed by one node is broadcast on a channel and each
//! node's listener drops those sessions from its cache within milliseconds. When the
//! listener loses its connection, notifications may have been missed, so it reports a
//! reset (the node clears its whole cache) once it is back.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tessera_core::domain::SessionId;
use tessera_core::store::{RevocationEvent, StoreResult};
use tokio::sync::mpsc;

use crate::codec::db_err;

/// The notification channel.
pub(crate) const CHANNEL: &str = "tessera_session_revocations";

/// Ids per notification (payloads must stay under PostgreSQL's 8000-byte limit).
const IDS_PER_NOTICE: usize = 200;

/// Broadcasts already-committed revocations.
pub(crate) async fn publish(pool: &PgPool, ids: &[SessionId]) -> StoreResult<()> {
    for chunk in ids.chunks(IDS_PER_NOTICE) {
        let payload = chunk
            .iter()
            .map(SessionId::to_simple)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(pool)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

fn parse(payload: &str) -> Vec<SessionId> {
    payload.split(',').filter_map(SessionId::parse).collect()
}

/// Starts listening; the returned feed ends when the receiver is dropped.
pub(crate) async fn feed(pool: &PgPool) -> StoreResult<mpsc::Receiver<RevocationEvent>> {
    let mut listener = PgListener::connect_with(pool).await.map_err(db_err)?;
    listener.listen(CHANNEL).await.map_err(db_err)?;
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        loop {
            let event = match listener.try_recv().await {
                Ok(Some(n)) => RevocationEvent::Revoked(parse(n.payload())),
                // The connection dropped; the next call reconnects. Anything sent
                // meanwhile is lost, so the node must forget every cached session.
                Ok(None) => RevocationEvent::Reset,
                Err(e) => {
                    tracing::warn!(error = %e, "revocation listener error; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    RevocationEvent::Reset
                }
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_and_skip_garbage() {
        let a = SessionId::new();
        let b = SessionId::new();
        let payload = format!("{},junk,{}", a.to_simple(), b.to_simple());
        assert_eq!(parse(&payload), vec![a, b]);
        assert!(parse("").is_empty());
    }
}
