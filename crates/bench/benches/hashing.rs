//! argon2id hash and verify at Tessera's default parameters (the OWASP minimum: m = 19456 KiB,
//! t = 2, p = 1): Tessera's own hasher (dryoc) against RustCrypto's `argon2` with the same
//! parameters, the library Tessera's module notes compare it with.
//!
//! `cargo bench -p tessera-bench --bench hashing` takes well under a minute: ten samples each.

// A benchmark harness, not server code: a failure to set up a benchmark should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use criterion::{criterion_group, criterion_main, Criterion};
use tessera_core::config::HashParams;
use tessera_core::domain::Password;
use tessera_core::security::passwords::PasswordHasher;

const PASSWORD: &str = "correct horse battery staple";

fn hashing(c: &mut Criterion) {
    let params = HashParams::default();
    let mut g = c.benchmark_group(format!(
        "argon2id m={} t={} p={}",
        params.memory_kib, params.iterations, params.parallelism
    ));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    // Tessera: `hash_now` is the blocking entry point (no pool); `verify` is the async one a
    // sign-in uses, through the bounded pool and `spawn_blocking` (microseconds against a
    // hash of tens of milliseconds).
    let tessera = PasswordHasher::new(params, 1).unwrap();
    g.bench_function("tessera (dryoc) hash", |b| {
        b.iter(|| tessera.hash_now(black_box(PASSWORD)).unwrap());
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stored = tessera.hash_now(PASSWORD).unwrap();
    let password = Password::new(PASSWORD);
    g.bench_function("tessera (dryoc) verify", |b| {
        b.iter(|| {
            let v = rt
                .block_on(tessera.verify(&password, Some(black_box(&stored))))
                .unwrap();
            assert!(v.ok);
        });
    });

    // RustCrypto `argon2` with the same parameters and output length.
    let rc = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .unwrap(),
    );
    // The salt does not change the cost; a fixed one keeps randomness out of the loop.
    let salt = SaltString::encode_b64(b"tessera-bench-16").unwrap();
    g.bench_function("rustcrypto argon2 hash", |b| {
        b.iter(|| {
            rc.hash_password(black_box(PASSWORD.as_bytes()), &salt)
                .unwrap()
                .to_string()
        });
    });
    let theirs = rc
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    g.bench_function("rustcrypto argon2 verify", |b| {
        b.iter(|| {
            let parsed = PasswordHash::new(black_box(&theirs)).unwrap();
            rc.verify_password(PASSWORD.as_bytes(), &parsed).unwrap();
        });
    });
    g.finish();
}

criterion_group!(benches, hashing);
criterion_main!(benches);
