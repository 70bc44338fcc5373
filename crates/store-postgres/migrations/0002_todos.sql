-- To-do items (clumsy-tools dialect). repeat_detail is the client's detail object, kept
-- verbatim (jsonb keeps every key; only key order and whitespace are normalised).
CREATE TABLE todo_items (
    id            bigint      NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task          text        NOT NULL,
    more_info     text,
    date          date,
    repeat_mode   text,
    repeat_detail jsonb,
    finished      boolean     NOT NULL DEFAULT false,
    done_through  date,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CHECK ((repeat_mode IS NULL) = (repeat_detail IS NULL))
);
CREATE INDEX todo_items_user_finished_idx ON todo_items (user_id, finished);
