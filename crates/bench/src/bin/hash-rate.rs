//! `hash-rate`: how many argon2id hashes per second Tessera's password hasher does on this
//! machine, on N threads at once for D seconds. Sign-in throughput cannot exceed this figure
//! (every password sign-in costs one argon2id computation), so `benches/load.sh` divides the
//! measured sign-ins per second by it.
//!
//! By default it uses [`PasswordHasher::hash_now`], the hasher's blocking entry point, on
//! plain threads. With `--verify` each thread instead verifies a stored hash through the
//! async [`PasswordHasher::verify`] (on its own current-thread runtime, whose blocking pool
//! runs the hash): exactly the computation a password sign-in does.
//!
//! Output: a human-readable summary, then one machine-readable line,
//! `hash_rate_per_s=… hash_rate_per_core_per_s=… hash_rate_per_thread_per_s=… threads=… cores=…
//! seconds=… hashes=… mode=hash|verify m=… t=… p=…`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tessera_core::config::HashParams;
use tessera_core::domain::Password;
use tessera_core::security::passwords::PasswordHasher;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "hash-rate",
    about = "argon2id hashes per second with Tessera's hasher"
)]
struct Args {
    /// Hashing threads (0 = the number of CPUs, as the server's hash pool).
    #[arg(long, short, env = "HASH_THREADS", default_value_t = 0)]
    threads: usize,
    /// How long to hash, in seconds.
    #[arg(long, short, env = "HASH_SECONDS", default_value_t = 10.0)]
    seconds: f64,
    /// Memory cost in KiB (default: Tessera's default, the OWASP minimum).
    #[arg(long, default_value_t = HashParams::default().memory_kib)]
    memory_kib: u32,
    /// Passes (default: Tessera's default).
    #[arg(long, default_value_t = HashParams::default().iterations)]
    iterations: u32,
    /// Verify a stored hash (what a sign-in does, through the async `verify`) instead of
    /// hashing a new password with the blocking `hash_now`.
    #[arg(long)]
    verify: bool,
}

/// One unit of work: a new hash, or a verify of `stored` through the hasher's async API
/// on `rt` (the hasher runs it on the runtime's blocking pool, as in the server).
fn work(
    hasher: &PasswordHasher,
    rt: Option<&tokio::runtime::Runtime>,
    stored: &str,
    i: usize,
    n: u64,
) -> Result<(), String> {
    match rt {
        None => hasher
            .hash_now(&format!("bench-password-{i}-{n}"))
            .map(drop)
            .map_err(|e| e.to_string()),
        Some(rt) => {
            let v = rt
                .block_on(hasher.verify(&Password::new(PASSWORD), Some(stored)))
                .map_err(|e| e.to_string())?;
            if v.ok {
                Ok(())
            } else {
                Err("the stored hash did not verify".into())
            }
        }
    }
}

const PASSWORD: &str = "bench-password-verify";

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let threads = if args.threads == 0 {
        cores
    } else {
        args.threads
    };
    let params = HashParams {
        memory_kib: args.memory_kib,
        iterations: args.iterations,
        parallelism: 1,
    };
    let hasher = match PasswordHasher::new(params, threads) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("hash-rate: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let stored = match hasher.hash_now(PASSWORD) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("hash-rate: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let Ok(duration) = Duration::try_from_secs_f64(args.seconds) else {
        eprintln!("hash-rate: --seconds must be a positive number");
        return std::process::ExitCode::from(2);
    };

    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|i| {
            let hasher = hasher.clone();
            let stop = Arc::clone(&stop);
            let stored = Arc::clone(&stored);
            let verify = args.verify;
            std::thread::spawn(move || -> Result<u64, String> {
                let rt = if verify {
                    Some(
                        tokio::runtime::Builder::new_current_thread()
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                } else {
                    None
                };
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    work(&hasher, rt.as_ref(), &stored, i, n)?;
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let mut hashes = 0u64;
    for w in workers {
        match w.join() {
            Ok(Ok(n)) => hashes += n,
            Ok(Err(e)) => {
                eprintln!("hash-rate: {e}");
                return std::process::ExitCode::FAILURE;
            }
            Err(_) => {
                eprintln!("hash-rate: a hashing thread panicked");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    // Every thread finishes the hash it was in when told to stop, so divide by the time
    // until the last one did.
    let elapsed = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rate = hashes as f64 / elapsed;
    #[allow(clippy::cast_precision_loss)]
    let per_thread = rate / threads as f64;
    // Per core: the busy cores are the threads, or all cores when there are more threads.
    #[allow(clippy::cast_precision_loss)]
    let per_core = rate / threads.min(cores) as f64;
    let what = if args.verify { "verify" } else { "hash" };
    println!(
        "argon2id {what} m={} t={} p=1 (Tessera's hasher): {hashes} hashes in {elapsed:.2}s on {threads} threads ({cores} cores) = {rate:.1}/s total, {per_core:.1}/s per core ({:.1} ms per hash per thread)",
        params.memory_kib,
        params.iterations,
        1000.0 / per_thread
    );
    println!(
        "hash_rate_per_s={rate:.1} hash_rate_per_core_per_s={per_core:.1} hash_rate_per_thread_per_s={per_thread:.1} threads={threads} cores={cores} seconds={elapsed:.2} hashes={hashes} mode={what} m={} t={} p=1",
        params.memory_kib, params.iterations
    );
    std::process::ExitCode::SUCCESS
}
