-- To-do items (clumsy-tools dialect). Dates are Julian day numbers (INTEGER), so they sort
-- and compare as numbers over the whole calendar; repeat_detail is the client's detail
-- object as JSON TEXT, kept verbatim.
CREATE TABLE todo_items (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id       BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task          TEXT    NOT NULL,
    more_info     TEXT,
    date          INTEGER,
    repeat_mode   TEXT,
    repeat_detail TEXT,
    finished      INTEGER NOT NULL DEFAULT 0,
    done_through  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK ((repeat_mode IS NULL) = (repeat_detail IS NULL))
);
CREATE INDEX todo_items_user_finished_idx ON todo_items (user_id, finished);
