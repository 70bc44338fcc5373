-- Opaque OAuth2 token pairs (clumsy-tools dialect), stored only as keyed hashes, and
-- numeric user ids for wire formats that carry them.
CREATE TABLE token_pairs (
    id                 BLOB    NOT NULL PRIMARY KEY,
    session_id         BLOB    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id            BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_hash        BLOB    NOT NULL,
    refresh_hash       BLOB    NOT NULL,
    lifespan_secs      INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    access_expires_at  INTEGER NOT NULL,
    refresh_expires_at INTEGER NOT NULL,
    spent_at           INTEGER
);
CREATE UNIQUE INDEX token_pairs_access_hash_key ON token_pairs (access_hash);
CREATE UNIQUE INDEX token_pairs_refresh_hash_key ON token_pairs (refresh_hash);
CREATE INDEX token_pairs_session_idx ON token_pairs (session_id);
CREATE INDEX token_pairs_refresh_expires_idx ON token_pairs (refresh_expires_at);

CREATE TABLE user_numbers (
    num     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id BLOB    NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);
