-- Tessera schema, SQLite engine.
-- Timestamps are INTEGER unix microseconds (UTC), so they sort and compare correctly in SQL.
-- Ids are 16-byte UUID BLOBs; JSON is TEXT; booleans are INTEGER 0/1.
-- Keep table and column names identical to the PostgreSQL migrations (a test checks it).

CREATE TABLE users (
    id                BLOB    NOT NULL PRIMARY KEY,
    email             TEXT    NOT NULL,
    email_norm        TEXT    NOT NULL,
    username          TEXT,
    username_norm     TEXT,
    name              TEXT    NOT NULL,
    avatar            TEXT    NOT NULL DEFAULT '',
    phone             TEXT,
    password_hash     TEXT,
    source            TEXT    NOT NULL,
    email_verified_at INTEGER,
    status            TEXT    NOT NULL,
    is_admin          INTEGER NOT NULL DEFAULT 0,
    totp_secret       BLOB,
    totp_last_step    INTEGER,
    lark              TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_login_at     INTEGER
);
CREATE UNIQUE INDEX users_email_norm_key ON users (email_norm);
CREATE UNIQUE INDEX users_username_norm_key ON users (username_norm);
CREATE UNIQUE INDEX users_phone_key ON users (phone);
CREATE INDEX users_created_at_idx ON users (created_at, id);

CREATE TABLE sessions (
    id                BLOB    NOT NULL PRIMARY KEY,
    user_id           BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        INTEGER NOT NULL,
    last_seen_at      INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    idle_timeout_secs INTEGER NOT NULL,
    ip                TEXT,
    user_agent        TEXT,
    method            TEXT    NOT NULL,
    dialect           TEXT    NOT NULL,
    revoked_at        INTEGER
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- At most one code per (purpose, subject): a new code replaces the old one (upsert).
CREATE TABLE one_time_codes (
    id            BLOB    NOT NULL PRIMARY KEY,
    purpose       TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    code_hash     BLOB    NOT NULL,
    data          BLOB,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL,
    consumed_at   INTEGER
);
CREATE UNIQUE INDEX one_time_codes_purpose_subject_key ON one_time_codes (purpose, subject);
CREATE INDEX one_time_codes_expires_at_idx ON one_time_codes (expires_at);

CREATE TABLE lockouts (
    key               TEXT    NOT NULL PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at INTEGER NOT NULL,
    locked_until      INTEGER
);

CREATE TABLE login_events (
    id         BLOB    NOT NULL PRIMARY KEY,
    user_id    BLOB,
    at         INTEGER NOT NULL,
    ip         TEXT,
    user_agent TEXT,
    method     TEXT    NOT NULL,
    dialect    TEXT    NOT NULL,
    success    INTEGER NOT NULL
);
CREATE INDEX login_events_user_id_at_idx ON login_events (user_id, at);
CREATE INDEX login_events_at_idx ON login_events (at);

CREATE TABLE audit_events (
    id      BLOB    NOT NULL PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   BLOB,
    action  TEXT    NOT NULL,
    target  BLOB,
    ip      TEXT,
    outcome TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor);
CREATE INDEX audit_events_target_idx ON audit_events (target);

CREATE TABLE outbox (
    id              BLOB    NOT NULL PRIMARY KEY,
    channel         TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT,
    params          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT,
    dead            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead = 0;

CREATE TABLE server_secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
