//! `bench-baseline`: a bare axum server whose `GET /verify` answers `204 No Content` with
//! no body and does nothing else. It is the reference for "Tessera's `GET /verify` rps vs a
//! bare axum handler" in `benches/load.sh`: same axum version and the same tokio runtime
//! flavour as `tessera serve` (`#[tokio::main]`, multi-threaded, one worker per core).

use std::net::{Ipv4Addr, SocketAddr};

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use clap::Parser;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "bench-baseline",
    about = "Bare axum server: GET /verify -> 204"
)]
struct Args {
    /// Port to listen on (127.0.0.1 only).
    #[arg(long, short, env = "BENCH_BASELINE_PORT", default_value_t = 8090)]
    port: u16,
}

async fn verify() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn shutdown_signal() {
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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench-baseline: cannot listen on {addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = Router::new().route("/verify", get(verify));
    eprintln!("bench-baseline listening on http://{addr}/verify");
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-baseline: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
