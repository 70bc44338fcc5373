//! Building and running the application. The server entry takes a bound listener and a
//! shutdown future, so tests bind port 0 and never sleep waiting for start-up.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tessera_api::AppState;
use tessera_core::clock::SystemClock;
use tessera_core::security::keys::{KeyOverrides, ServerKeys};
use tessera_core::services::{Core, Dispatcher, Media, RetryPolicy};
use tessera_core::store::SharedStore;
use tessera_media::{ImageAvatarProcessor, LocalBlobStore};
use tokio::net::TcpListener;

use crate::config::{Config, KeysConfig};

/// Connects to the store named by `url` (creating and migrating it as needed).
pub async fn open_store(url: &str) -> Result<SharedStore, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = tessera_store_postgres::PgStore::connect(url)
            .await
            .map_err(|e| format!("cannot open PostgreSQL store: {e}"))?;
        Ok(Arc::new(store))
    } else {
        let store = tessera_store_sqlite::SqliteStore::connect(url)
            .await
            .map_err(|e| format!("cannot open SQLite store at {url}: {e}"))?;
        Ok(Arc::new(store))
    }
}

fn decode_key(name: &str, value: Option<&String>) -> Result<Option<Vec<u8>>, String> {
    value
        .map(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .map_err(|_| format!("keys.{name} must be base64"))
        })
        .transpose()
}

fn key_overrides(k: &KeysConfig) -> Result<KeyOverrides, String> {
    Ok(KeyOverrides {
        jwt: decode_key("jwt", k.jwt.as_ref())?,
        pepper: decode_key("pepper", k.pepper.as_ref())?,
        seal: decode_key("seal", k.seal.as_ref())?,
        csrf: decode_key("csrf", k.csrf.as_ref())?,
    })
}

/// The process-wide Prometheus recorder (installed once; later calls reuse it).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder unavailable");
                None
            }
        })
        .clone()
}

/// Upload storage under [`Config::files_dir`] and real avatar processing. Touches nothing on
/// disk, so CLI commands that never upload do not create the directory.
fn media(config: &Config) -> Media {
    Media {
        blobs: Arc::new(LocalBlobStore::new(config.files_dir())),
        avatars: Arc::new(ImageAvatarProcessor::default()),
    }
}

/// The core over an opened store, with keys loaded or generated.
pub async fn build_core(config: &Config) -> Result<Core, String> {
    let store = open_store(&config.server.database_url()).await?;
    let keys = ServerKeys::load_or_create(store.as_ref(), key_overrides(&config.keys)?)
        .await
        .map_err(|e| format!("cannot load server keys: {e}"))?;
    Core::with_media(
        store,
        Arc::new(SystemClock),
        keys,
        config.core.clone(),
        media(config),
    )
    .map_err(|e| format!("cannot start the core: {e}"))
}

/// A ready-to-serve application.
pub struct App {
    core: Core,
    state: AppState,
    dispatcher: Dispatcher,
    config: Config,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    /// Opens the store, loads keys, builds transports and routes.
    pub async fn build(mut config: Config) -> Result<Self, String> {
        if config.http.hostname.is_empty() {
            config.http.hostname = hostname();
        }
        std::fs::create_dir_all(&config.server.data_dir).map_err(|e| {
            format!(
                "cannot create data dir {}: {e}",
                config.server.data_dir.display()
            )
        })?;
        let files = LocalBlobStore::new(config.files_dir());
        files
            .create_dir()
            .map_err(|e| format!("files.dir: cannot create {}: {e}", files.dir().display()))?;
        let core = build_core(&config).await?;
        let mail = tessera_delivery::build_mailer(&config.mail, &config.server.data_dir)?;
        let sms = tessera_delivery::build_sms(&config.sms)?;
        let dispatcher = Dispatcher::new(core.clone(), mail, sms, RetryPolicy::default());
        let identity = tessera_identity::build_providers(&config.identity)?;
        let state = AppState {
            identity: Arc::new(identity),
            core: core.clone(),
            config: Arc::new(config.http.clone()),
            metrics: if config.server.metrics {
                metrics_handle()
            } else {
                None
            },
        };
        Ok(Self {
            core,
            state,
            dispatcher,
            config,
        })
    }

    /// The core (tests and the CLI use it directly).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Serves HTTP on `listener` until `shutdown` resolves, then drains in-flight requests
    /// (bounded by `shutdown_grace_secs`) and stops the background tasks.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let poll = Duration::from_secs(self.config.server.outbox_poll_secs.max(1));
        let mut rx = stop_rx.clone();
        let dispatcher = tokio::spawn(self.dispatcher.clone().run(poll, async move {
            let _ = rx.wait_for(|stopped| *stopped).await;
        }));
        let mut rx = stop_rx.clone();
        let core = self.core.clone();
        let housekeeping = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = rx.wait_for(|stopped| *stopped) => return,
                    () = tokio::time::sleep(Duration::from_secs(3600)) => {}
                }
                let before = core.now() - time::Duration::days(1);
                if let Err(e) = core.store().purge_codes(before).await {
                    tracing::warn!(error = %e, "purging old codes failed");
                }
                if let Err(e) = core.purge_old_audit().await {
                    tracing::warn!(error = %e, "purging old audit events failed");
                }
            }
        });
        let core = self.core.clone();
        let revocations = tokio::spawn(async move {
            if let Err(e) = core.follow_revocations().await {
                tracing::error!(error = %e, "cannot follow session revocations; session cache disabled");
                core.disable_session_cache();
            }
        });
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(%addr, engine = self.core.store().engine(), mode = ?self.config.http.mode, "tessera listening");
        let app = tessera_api::router(self.state.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        let grace = Duration::from_secs(self.config.server.shutdown_grace_secs);
        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = drain_tx.send(());
        });
        let result = tokio::select! {
            r = server => r.map_err(|e| e.to_string()),
            () = async {
                let _ = drain_rx.await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("in-flight requests did not finish within the grace period");
                Ok(())
            }
        };
        let _ = stop_tx.send(true);
        let _ = dispatcher.await;
        housekeeping.abort();
        revocations.abort();
        tracing::info!("tessera stopped");
        result
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "tessera".into())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutdown requested");
}
