-- Invite codes (only a keyed hash of each code) and per-inviter quotas (negative: unlimited;
-- no row: zero).
CREATE TABLE invite_codes (
    code_hash  text        NOT NULL PRIMARY KEY,
    owner_id   uuid        REFERENCES users (id) ON DELETE CASCADE,
    uses_left  bigint,
    created_at timestamptz NOT NULL
);
CREATE INDEX invite_codes_owner_idx ON invite_codes (owner_id);
CREATE TABLE invite_quotas (
    user_id   uuid   NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    remaining bigint NOT NULL
);
