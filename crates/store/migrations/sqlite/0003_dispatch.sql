-- Dispatch: supervision notices, the notification outbox, the in-app inbox, bulletins.

CREATE TABLE notices (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES plans(id),
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    number       TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('blue', 'yellow', 'red')),
    task_id      INTEGER NOT NULL REFERENCES tasks(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    reason       TEXT NOT NULL,
    reply_by     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('issued', 'signed', 'replied', 'closed', 'reopened')),
    reply        TEXT,
    issued_by    TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    signed_by    TEXT,
    signed_at    TEXT,
    replied_at   TEXT,
    closed_by    TEXT,
    closed_at    TEXT,
    row_version  INTEGER NOT NULL DEFAULT 1,
    UNIQUE (plan_id, year, seq)
);
CREATE INDEX notices_unit ON notices(unit_id);

-- Every message to send, once: the key is (message, recipient, channel).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox(state, next_attempt_at);

-- In-app messages to a unit's accounts or to one account.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    unit_id     INTEGER REFERENCES units(id),
    user_id     INTEGER REFERENCES users(id),
    role        TEXT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE TABLE inbox_reads (
    inbox_id  INTEGER NOT NULL REFERENCES inbox(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    read_at   TEXT NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
);

-- A bulletin of a round: its number and its editable closing section, so that generating it
-- again gives the same document.
CREATE TABLE bulletins (
    id            INTEGER PRIMARY KEY,
    round_id      INTEGER NOT NULL UNIQUE REFERENCES rounds(id),
    plan_version  INTEGER NOT NULL,
    issue         INTEGER NOT NULL,
    issued_on     TEXT NOT NULL,
    closing       TEXT NOT NULL,
    -- The composed bulletin (JSON), frozen when first generated so that it renders the same
    -- document every time; the office may recompose it.
    content       TEXT,
    row_version   INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

ALTER TABLE users ADD COLUMN email TEXT;
