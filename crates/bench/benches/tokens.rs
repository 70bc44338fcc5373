//! The CPU parts of token checks, without the database:
//! - the weplanx dialect's HS256 access token (`TOKEN` cookie): issue and verify with the
//!   core's [`JwtCodec`], as `GET /verify` and `POST /login` do before and after their store
//!   calls;
//! - the clumsy dialect's opaque bearer tokens: the keyed hash (HMAC-SHA256 under the pepper)
//!   that `verify_bearer` computes before its store lookup, framed as the core frames it;
//! - the weplanx CSRF token (hex HMAC), checked on unsafe requests in production mode.
//!
//! `cargo bench -p tessera-bench --bench tokens` takes well under a minute.

// A benchmark harness, not server code: a failure to set up a benchmark should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tessera_core::domain::{SessionId, UserId};
use tessera_core::security::jwt::JwtCodec;
use tessera_core::security::keyed;
use tessera_core::security::keys::ServerKeys;
use time::OffsetDateTime;

fn jwt(c: &mut Criterion) {
    let keys = ServerKeys::for_tests();
    let codec = JwtCodec::new(&keys.jwt, "tessera");
    let (user, session) = (UserId::new(), SessionId::new());
    let now = OffsetDateTime::now_utc();
    let token = codec.issue(user, session, now, 7200).unwrap();

    let mut g = c.benchmark_group("jwt hs256 (weplanx TOKEN)");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function("issue", |b| {
        b.iter(|| {
            codec
                .issue(black_box(user), black_box(session), now, 7200)
                .unwrap()
        });
    });
    g.bench_function("verify", |b| {
        b.iter(|| codec.verify(black_box(&token), now).unwrap());
    });
    g.finish();
}

fn opaque(c: &mut Criterion) {
    let keys = ServerKeys::for_tests();
    // The clumsy dialect's access tokens are UUID v4 strings.
    let token = "3f0c9a52-7d1e-4b8a-9c64-2e5f8a1b7d30";
    let stored = keyed::hash(
        &keys.pepper,
        &[b"opaque-token", b"access", token.as_bytes()],
    );
    let csrf_salt = "Zq3xV9mK2pL8rT4w";
    let csrf = keyed::hmac_hex(&keys.csrf, csrf_salt.as_bytes());

    let mut g = c.benchmark_group("keyed hashes");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function(
        "opaque bearer token hash (verify_bearer, before the lookup)",
        |b| {
            b.iter(|| {
                keyed::hash(
                    &keys.pepper,
                    &[b"opaque-token", b"access", black_box(token).as_bytes()],
                )
            });
        },
    );
    g.bench_function("opaque token hash + constant-time compare", |b| {
        b.iter(|| {
            let h = keyed::hash(
                &keys.pepper,
                &[b"opaque-token", b"access", black_box(token).as_bytes()],
            );
            assert!(keyed::equal(&h, &stored));
        });
    });
    g.bench_function("weplanx csrf token (hex hmac)", |b| {
        b.iter(|| {
            let t = keyed::hmac_hex(&keys.csrf, black_box(csrf_salt).as_bytes());
            assert!(keyed::equal(t.as_bytes(), csrf.as_bytes()));
        });
    });
    g.finish();
}

criterion_group!(benches, jwt, opaque);
criterion_main!(benches);
