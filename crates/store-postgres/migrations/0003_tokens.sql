-- Opaque OAuth2 token pairs (clumsy-tools dialect), stored only as keyed hashes, and
-- numeric user ids for wire formats that carry them.
CREATE TABLE token_pairs (
    id                 uuid        NOT NULL PRIMARY KEY,
    session_id         uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_hash        bytea       NOT NULL,
    refresh_hash       bytea       NOT NULL,
    lifespan_secs      bigint      NOT NULL,
    created_at         timestamptz NOT NULL,
    access_expires_at  timestamptz NOT NULL,
    refresh_expires_at timestamptz NOT NULL,
    spent_at           timestamptz
);
CREATE UNIQUE INDEX token_pairs_access_hash_key ON token_pairs (access_hash);
CREATE UNIQUE INDEX token_pairs_refresh_hash_key ON token_pairs (refresh_hash);
CREATE INDEX token_pairs_session_idx ON token_pairs (session_id);
CREATE INDEX token_pairs_refresh_expires_idx ON token_pairs (refresh_expires_at);

CREATE TABLE user_numbers (
    num     bigint NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid   NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
