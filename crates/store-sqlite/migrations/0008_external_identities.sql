-- Social sign-in identities: the provider's stable user id (Google `sub`, Facebook `id`)
-- bound to an account, so a returning user is found by subject, not by the address the
-- provider reports (ASVS 5.0 V10.5.2). A subject belongs to one account; an account has
-- at most one subject per provider. The subject is personal data: erasure deletes the
-- account's rows. Times are INTEGER unix microseconds, ids BLOB.
CREATE TABLE external_identities (
    provider   TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX external_identities_user_provider_key
    ON external_identities (user_id, provider);
