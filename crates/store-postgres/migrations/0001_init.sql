-- Tessera schema, PostgreSQL engine.
-- Timestamps are timestamptz (microsecond precision). Keep table and column names
-- identical to the SQLite migrations (a test checks it). Unique constraints are named so
-- violations map to domain errors by constraint name.

CREATE TABLE users (
    id                uuid        NOT NULL PRIMARY KEY,
    email             text        NOT NULL,
    email_norm        text        NOT NULL,
    username          text,
    username_norm     text,
    name              text        NOT NULL,
    avatar            text        NOT NULL DEFAULT '',
    phone             text,
    password_hash     text,
    source            text        NOT NULL,
    email_verified_at timestamptz,
    status            text        NOT NULL,
    is_admin          boolean     NOT NULL DEFAULT false,
    totp_secret       bytea,
    totp_last_step    bigint,
    lark              jsonb,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    last_login_at     timestamptz,
    CONSTRAINT users_email_norm_key UNIQUE (email_norm),
    CONSTRAINT users_username_norm_key UNIQUE (username_norm),
    CONSTRAINT users_phone_key UNIQUE (phone)
);
CREATE INDEX users_created_at_idx ON users (created_at, id);

CREATE TABLE sessions (
    id                uuid        NOT NULL PRIMARY KEY,
    user_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    idle_timeout_secs bigint      NOT NULL,
    ip                text,
    user_agent        text,
    method            text        NOT NULL,
    dialect           text        NOT NULL,
    revoked_at        timestamptz
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- At most one code per (purpose, subject): a new code replaces the old one (upsert).
CREATE TABLE one_time_codes (
    id            uuid        NOT NULL PRIMARY KEY,
    purpose       text        NOT NULL,
    subject       text        NOT NULL,
    code_hash     bytea       NOT NULL,
    data          bytea,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    attempts_left integer     NOT NULL,
    consumed_at   timestamptz,
    CONSTRAINT one_time_codes_purpose_subject_key UNIQUE (purpose, subject)
);
CREATE INDEX one_time_codes_expires_at_idx ON one_time_codes (expires_at);

CREATE TABLE lockouts (
    key               text        NOT NULL PRIMARY KEY,
    failures          integer     NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz
);

CREATE TABLE login_events (
    id         uuid        NOT NULL PRIMARY KEY,
    user_id    uuid,
    at         timestamptz NOT NULL,
    ip         text,
    user_agent text,
    method     text        NOT NULL,
    dialect    text        NOT NULL,
    success    boolean     NOT NULL
);
CREATE INDEX login_events_user_id_at_idx ON login_events (user_id, at);
CREATE INDEX login_events_at_idx ON login_events (at);

CREATE TABLE audit_events (
    id      uuid        NOT NULL PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   uuid,
    action  text        NOT NULL,
    target  uuid,
    ip      text,
    outcome text        NOT NULL,
    detail  jsonb       NOT NULL
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor);
CREATE INDEX audit_events_target_idx ON audit_events (target);

CREATE TABLE outbox (
    id              uuid        NOT NULL PRIMARY KEY,
    channel         text        NOT NULL,
    recipient       text        NOT NULL,
    subject         text        NOT NULL,
    body_text       text        NOT NULL,
    body_html       text,
    params          jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    sent_at         timestamptz,
    last_error      text,
    dead            boolean     NOT NULL DEFAULT false
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND NOT dead;

CREATE TABLE server_secrets (
    name  text  NOT NULL PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE settings (
    key   text NOT NULL PRIMARY KEY,
    value text NOT NULL
);
