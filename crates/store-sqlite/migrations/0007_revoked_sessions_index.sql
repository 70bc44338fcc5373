-- Sessions by when they were revoked, for the revocation feed: a running server polls for
-- the sessions revoked since the newest it has seen, so that revocations made by another
-- process on the same file (`tessera sessions end`, `tessera import`) reach its session
-- cache. Partial, so live sessions (most rows) are not in it; `id` makes it covering, so a
-- poll never reads the table.
CREATE INDEX sessions_revoked_at_idx ON sessions (revoked_at, id) WHERE revoked_at IS NOT NULL;
