//! Runs a test server on a dedicated thread with its own current-thread tokio runtime, and
//! stops it when the owning handle drops.

use std::future::Future;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Stops the background server when dropped.
#[derive(Debug)]
pub(crate) struct Background {
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            // The thread may already be gone (runtime failure); nothing left to stop then.
            let _ = tx.send(());
        }
    }
}

/// Binds `127.0.0.1:0` now (so the port is known and connections queue in the backlog
/// before the server runs: no start-up race), then runs `serve(listener)` on a new thread
/// until the returned handle is dropped. Returns the handle and the bound port.
pub(crate) fn spawn<F, Fut>(name: &str, serve: F) -> (Background, u16)
where
    F: FnOnce(TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .expect("testkit: cannot bind a port on 127.0.0.1");
    std_listener
        .set_nonblocking(true)
        .expect("testkit: cannot make the listener non-blocking");
    let port = std_listener
        .local_addr()
        .expect("testkit: bound listener has no local address")
        .port();
    let (tx, rx) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name(format!("testkit-{name}"))
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("testkit: cannot build a tokio runtime for the test server");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener)
                    .expect("testkit: cannot register the listener with tokio");
                tokio::select! {
                    () = serve(listener) => {}
                    _ = rx => {}
                }
            });
        })
        .expect("testkit: cannot spawn the test server thread");
    (Background { shutdown: Some(tx) }, port)
}
