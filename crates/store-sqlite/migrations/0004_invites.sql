-- Invite codes (only a keyed hash of each code) and per-inviter quotas (negative: unlimited;
-- no row: zero).
CREATE TABLE invite_codes (
    code_hash  TEXT    NOT NULL PRIMARY KEY,
    owner_id   BLOB    REFERENCES users (id) ON DELETE CASCADE,
    uses_left  INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX invite_codes_owner_idx ON invite_codes (owner_id);
CREATE TABLE invite_quotas (
    user_id   BLOB    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    remaining INTEGER NOT NULL
);
