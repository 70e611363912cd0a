-- Accounts, sessions and settings.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('office', 'leader', 'unit', 'sysadmin', 'secadmin', 'auditor')),
    unit_id              INTEGER REFERENCES units(id),
    password_hash        TEXT NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    password_changed_at  TEXT NOT NULL,
    last_login_at        TEXT,
    created_at           TEXT NOT NULL,
    row_version          INTEGER NOT NULL DEFAULT 1,
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);

-- Sessions are found by the SHA-256 of their token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    ip          TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
