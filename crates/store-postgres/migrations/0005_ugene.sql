-- Ugene dialect and GDPR: account flags, roles that delegate admin functions, uploaded
-- files. Unique constraints are named so violations map by constraint name.

-- restricted: GDPR art. 18; email_otp: second factor by e-mailed code; created_by: the
-- administrator who made the account (no foreign key: accounts are erased in place, never
-- deleted, so the id stays valid); deleted_at: erased, kept only as a pseudonymous id.
ALTER TABLE users
    ADD COLUMN restricted           boolean     NOT NULL DEFAULT false,
    ADD COLUMN email_otp            boolean     NOT NULL DEFAULT false,
    ADD COLUMN created_by           uuid,
    ADD COLUMN confirmation_sent_at timestamptz,
    ADD COLUMN deleted_at           timestamptz;
-- Prefix search compares in the "C" collation (code point order, where a prefix range is
-- exact whatever the database's collation), so it needs indexes in that collation.
CREATE INDEX users_email_norm_c_idx ON users (email_norm COLLATE "C");
CREATE INDEX users_username_norm_c_idx ON users (username_norm COLLATE "C");

CREATE TABLE roles (
    id          bigint      NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    name_norm   text        NOT NULL,
    permissions integer[]   NOT NULL,
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT roles_name_norm_key UNIQUE (name_norm)
);

CREATE TABLE user_roles (
    user_id uuid   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id bigint NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

-- File metadata; the bytes are in the blob store under blob_key. At most one avatar row
-- per owner.
CREATE TABLE files (
    id           text        NOT NULL PRIMARY KEY,
    owner_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text        NOT NULL,
    name         text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       text        NOT NULL,
    blob_key     text        NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX files_owner_kind_idx ON files (owner_id, kind);
CREATE UNIQUE INDEX files_one_avatar_key ON files (owner_id) WHERE kind = 'avatar';
