-- The desk shows an account's unread messages (消息 N) on every page: counted by one
-- statement through these indexes (a message is addressed to exactly one of an account, a
-- unit or a role), from the account's read mark on (全部标为已读 moves it to the newest
-- message, so the count never walks the account's whole history).
CREATE INDEX IF NOT EXISTS inbox_user ON inbox(user_id, id);
CREATE INDEX IF NOT EXISTS inbox_unit ON inbox(unit_id, id);
CREATE INDEX IF NOT EXISTS inbox_role ON inbox(role, id);
CREATE TABLE inbox_marks (
    user_id  INTEGER PRIMARY KEY REFERENCES users(id),
    -- Every message up to this id counts as read.
    upto     INTEGER NOT NULL,
    read_at  TEXT NOT NULL
);
