-- PostgreSQL migration 0008 (SQLite 0012): the desk shows an account's unread messages
-- (消息 N) on every page: counted by one statement through these indexes (a message is
-- addressed to exactly one of an account, a unit or a role), from the account's read mark on
-- (全部标为已读 moves it to the newest message, so the count never walks the account's whole
-- history).
--
-- `inbox_marks` is per-account bookkeeping like `inbox_reads`: no cache derives anything from
-- it, so it gets no `_changed` trigger (see 0006).
CREATE INDEX IF NOT EXISTS inbox_user ON inbox(user_id, id);
CREATE INDEX IF NOT EXISTS inbox_unit ON inbox(unit_id, id);
CREATE INDEX IF NOT EXISTS inbox_role ON inbox(role, id);
CREATE TABLE inbox_marks (
    user_id  BIGINT PRIMARY KEY REFERENCES users(id),
    upto     BIGINT NOT NULL,
    read_at  TEXT NOT NULL
);
