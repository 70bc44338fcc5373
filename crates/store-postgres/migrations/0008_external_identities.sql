-- Social sign-in identities: the provider's stable user id (Google `sub`, Facebook `id`)
-- bound to an account, so a returning user is found by subject, not by the address the
-- provider reports (ASVS 5.0 V10.5.2). A subject belongs to one account; an account has
-- at most one subject per provider. The subject is personal data: erasure deletes the
-- account's rows. Unique constraints are named so violations map by constraint name.
CREATE TABLE external_identities (
    provider   text        NOT NULL,
    subject    text        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    CONSTRAINT external_identities_pkey PRIMARY KEY (provider, subject),
    CONSTRAINT external_identities_user_provider_key UNIQUE (user_id, provider)
);
