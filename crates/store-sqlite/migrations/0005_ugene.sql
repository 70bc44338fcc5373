-- Ugene dialect and GDPR: account flags, roles that delegate admin functions, uploaded
-- files. Times are INTEGER unix microseconds, ids BLOB, booleans INTEGER 0/1, JSON TEXT.

-- restricted: GDPR art. 18; email_otp: second factor by e-mailed code; created_by: the
-- administrator who made the account (no foreign key: accounts are erased in place, never
-- deleted, so the id stays valid); deleted_at: erased, kept only as a pseudonymous id.
ALTER TABLE users ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_otp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN created_by BLOB;
ALTER TABLE users ADD COLUMN confirmation_sent_at INTEGER;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
-- Prefix search on email_norm / username_norm uses the unique indexes of 0001 through
-- range comparisons (BINARY collation: byte order of UTF-8 = code point order).

-- permissions: JSON array of permission ids, e.g. [1,4,8].
CREATE TABLE roles (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    name_norm   TEXT    NOT NULL,
    permissions TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX roles_name_norm_key ON roles (name_norm);

CREATE TABLE user_roles (
    user_id BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

-- File metadata; the bytes are in the blob store under blob_key. At most one avatar row
-- per owner.
CREATE TABLE files (
    id           TEXT    NOT NULL PRIMARY KEY,
    owner_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    blob_key     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_owner_kind_idx ON files (owner_id, kind);
CREATE UNIQUE INDEX files_one_avatar_key ON files (owner_id) WHERE kind = 'avatar';
