-- The admin listing pages live accounts in creation order: a partial index over exactly
-- those rows lets deep pages skip inside the index instead of reading every skipped row
-- to test deleted_at (measured at a million accounts: page 50000 from 161 to 36 ms).
CREATE INDEX users_live_created_idx ON users (created_at, id) WHERE deleted_at IS NULL;
