-- The whole ledger schema for PostgreSQL: what SQLite migrations 0001–0007 build, in one
-- migration (later SQLite migrations get their own PostgreSQL ones). Same tables, columns (in
-- the same order), keys, constraints and indexes as the SQLite store; see the SQLite files for
-- what each table is for. Dates are ISO 'YYYY-MM-DD' and times UTC RFC 3339 strings, kept as
-- TEXT as in SQLite, so both stores read and write them alike.
--
-- Written as plain DDL that KingbaseES and openGauss (PostgreSQL-compatible) should also
-- accept (checked on PostgreSQL 15 only). Types:
-- - Integers are BIGINT: SQLite's INTEGER is 64-bit and the store reads them as i64, which the
--   PostgreSQL driver decodes from BIGINT only.
-- - REAL is DOUBLE PRECISION (SQLite's REAL is an 8-byte float).
-- - Flags (0/1 INTEGER in SQLite) are BOOLEAN: the driver binds and reads Rust `bool` as
--   BOOLEAN, and SQLite accepts TRUE/FALSE literals and decodes `bool` from 0/1, so shared
--   queries can use `bool` and TRUE/FALSE on both.
--
-- PostgreSQL-specific features used, and why:
-- - BIGSERIAL for the generated ids (SQLite's INTEGER PRIMARY KEY): a sequence default that
--   PostgreSQL, KingbaseES and openGauss all accept, where identity columns
--   (GENERATED … AS IDENTITY) came to openGauss only in recent releases. As in SQLite an
--   explicit id may still be inserted, but then the sequence does not move past it: code that
--   inserts explicit ids into these tables must call setval afterwards.
-- - PL/pgSQL trigger functions (CREATE FUNCTION … LANGUAGE plpgsql, dollar-quoted bodies,
--   RAISE EXCEPTION): PostgreSQL triggers run a function, where SQLite's run a statement list
--   with RAISE(ABORT). They keep the audit log and its keying append-only.
-- - `EXECUTE PROCEDURE` in CREATE TRIGGER (not the newer `EXECUTE FUNCTION`), which every
--   PostgreSQL since 9 and openGauss and KingbaseES accept.
-- - BEFORE TRUNCATE statement triggers: TRUNCATE bypasses row triggers, and SQLite has no
--   TRUNCATE, so this closes a way around the append-only rule that SQLite does not have.
-- - An expression index (users_login_nocase on lower(login)), as in SQLite.
--
-- Not carried over: SQLite 0006 renames accounts whose login names differ only in case before
-- building users_login_nocase; a new PostgreSQL database has no accounts, so there is nothing
-- to rename.

CREATE TABLE plans (
    id            BIGSERIAL PRIMARY KEY,
    title         TEXT NOT NULL,
    source        TEXT NOT NULL,
    version       BIGINT NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    settings      TEXT NOT NULL,
    task_force    TEXT,
    demo          BOOLEAN NOT NULL DEFAULT FALSE,
    row_version   BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

CREATE TABLE plan_versions (
    plan_id      BIGINT NOT NULL REFERENCES plans(id),
    version      BIGINT NOT NULL,
    reading      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE units (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    aliases      TEXT NOT NULL DEFAULT '[]',
    row_version  BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE plan_units (
    plan_id   BIGINT NOT NULL REFERENCES plans(id),
    unit_id   BIGINT NOT NULL REFERENCES units(id),
    member    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (plan_id, unit_id)
);

CREATE TABLE tasks (
    id            BIGSERIAL PRIMARY KEY,
    plan_id       BIGINT NOT NULL REFERENCES plans(id),
    plan_version  BIGINT NOT NULL,
    code          TEXT NOT NULL,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    line          BIGINT NOT NULL DEFAULT 0,
    UNIQUE (plan_id, plan_version, code)
);

CREATE TABLE task_units (
    task_id  BIGINT NOT NULL REFERENCES tasks(id),
    unit_id  BIGINT NOT NULL REFERENCES units(id),
    role     TEXT NOT NULL CHECK (role IN ('lead', 'support')),
    seq      BIGINT NOT NULL,
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_units_unit ON task_units(unit_id);

CREATE TABLE targets (
    id        BIGSERIAL PRIMARY KEY,
    task_id   BIGINT NOT NULL REFERENCES tasks(id),
    seq       BIGINT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    unit      TEXT NOT NULL,
    cmp       TEXT NOT NULL,
    hardness  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    deadline  TEXT,
    metric    TEXT NOT NULL,
    text      TEXT NOT NULL,
    UNIQUE (task_id, seq)
);

CREATE TABLE milestones (
    id        BIGSERIAL PRIMARY KEY,
    task_id   BIGINT NOT NULL REFERENCES tasks(id),
    seq       BIGINT NOT NULL,
    text      TEXT NOT NULL,
    deadline  TEXT,
    UNIQUE (task_id, seq)
);

CREATE TABLE rounds (
    id            BIGSERIAL PRIMARY KEY,
    plan_id       BIGINT NOT NULL REFERENCES plans(id),
    plan_version  BIGINT NOT NULL,
    name          TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    due           TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    demo          BOOLEAN NOT NULL DEFAULT FALSE,
    row_version   BIGINT NOT NULL DEFAULT 1,
    opened_at     TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX rounds_plan ON rounds(plan_id, as_of);

CREATE TABLE reports (
    id             BIGSERIAL PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES rounds(id),
    task_id        BIGINT NOT NULL REFERENCES tasks(id),
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    state          TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    narrative      TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    next_steps     TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL,
    submitted_at   TEXT,
    late           BOOLEAN NOT NULL DEFAULT FALSE,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    return_reason  TEXT,
    demo           BOOLEAN NOT NULL DEFAULT FALSE,
    row_version    BIGINT NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL,
    UNIQUE (round_id, task_id, unit_id)
);
CREATE INDEX reports_task ON reports(task_id);

CREATE TABLE report_values (
    report_id  BIGINT NOT NULL REFERENCES reports(id),
    target_id  BIGINT NOT NULL REFERENCES targets(id),
    value      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (report_id, target_id)
);

CREATE TABLE report_milestones (
    report_id     BIGINT NOT NULL REFERENCES reports(id),
    milestone_id  BIGINT NOT NULL REFERENCES milestones(id),
    done          BOOLEAN NOT NULL,
    done_on       TEXT,
    PRIMARY KEY (report_id, milestone_id)
);

CREATE TABLE evidence (
    report_id  BIGINT NOT NULL REFERENCES reports(id),
    sha256     TEXT NOT NULL,
    name       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    mime       TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

CREATE TABLE extensions (
    id            BIGSERIAL PRIMARY KEY,
    task_id       BIGINT NOT NULL REFERENCES tasks(id),
    target_id     BIGINT REFERENCES targets(id),
    milestone_id  BIGINT REFERENCES milestones(id),
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    old_deadline  TEXT,
    requested     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    decided_by    TEXT,
    decided_at    TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE instructions (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks(id),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The audit log: append-only; each record carries the hash of the previous one.
CREATE TABLE audit (
    id         BIGSERIAL PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    source     TEXT NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    result     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- Accounts, sessions and settings (SQLite 0002, with the columns 0003, 0004 and 0006 add).
CREATE TABLE users (
    id                    BIGSERIAL PRIMARY KEY,
    login                 TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    role                  TEXT NOT NULL CHECK (role IN ('office', 'leader', 'unit', 'sysadmin', 'secadmin', 'auditor')),
    unit_id               BIGINT REFERENCES units(id),
    password_hash         TEXT NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins         BIGINT NOT NULL DEFAULT 0,
    locked_until          TEXT,
    password_changed_at   TEXT NOT NULL,
    last_login_at         TEXT,
    created_at            TEXT NOT NULL,
    row_version           BIGINT NOT NULL DEFAULT 1,
    email                 TEXT,
    totp_secret           TEXT,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((role = 'unit') = (unit_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_login_nocase ON users(lower(login));

-- Sessions are found by the SHA-256 of their token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    ip           TEXT NOT NULL,
    mfa_pending  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Dispatch (SQLite 0003): supervision notices, the notification outbox, the in-app inbox,
-- bulletins.
CREATE TABLE notices (
    id           BIGSERIAL PRIMARY KEY,
    plan_id      BIGINT NOT NULL REFERENCES plans(id),
    year         BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    number       TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('blue', 'yellow', 'red')),
    task_id      BIGINT NOT NULL REFERENCES tasks(id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
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
    row_version  BIGINT NOT NULL DEFAULT 1,
    UNIQUE (plan_id, year, seq)
);
CREATE INDEX notices_unit ON notices(unit_id);

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox(state, next_attempt_at);

CREATE TABLE inbox (
    id          BIGSERIAL PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    unit_id     BIGINT REFERENCES units(id),
    user_id     BIGINT REFERENCES users(id),
    role        TEXT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE TABLE inbox_reads (
    inbox_id  BIGINT NOT NULL REFERENCES inbox(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    read_at   TEXT NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
);

CREATE TABLE bulletins (
    id            BIGSERIAL PRIMARY KEY,
    round_id      BIGINT NOT NULL UNIQUE REFERENCES rounds(id),
    plan_version  BIGINT NOT NULL,
    issue         BIGINT NOT NULL,
    issued_on     TEXT NOT NULL,
    closing       TEXT NOT NULL,
    -- The composed bulletin (JSON), frozen when first generated.
    content       TEXT,
    row_version   BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

-- Security (SQLite 0004): password history and the audit purge gate and anchor.
CREATE TABLE password_history (
    user_id     BIGINT NOT NULL REFERENCES users(id),
    hash        TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, changed_at);

-- Records older than the retention period may be purged, only through `zhuanban audit purge`,
-- which opens this gate inside its transaction and leaves an anchor for verification.
CREATE TABLE audit_gate (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    open  BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO audit_gate (id, open) VALUES (1, FALSE);

-- After a purge, verification starts from here: the last purged record's id and hash.
CREATE TABLE audit_anchor (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    last_id    BIGINT NOT NULL,
    last_hash  TEXT NOT NULL,
    purged_at  TEXT NOT NULL
);

-- Monitoring series (SQLite 0005) and the targets judged from them.
CREATE TABLE series_sites (
    name  TEXT PRIMARY KEY,
    kind  TEXT NOT NULL CHECK (kind IN ('water', 'air', 'statistic')),
    lake  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE observations (
    site   TEXT NOT NULL REFERENCES series_sites(name),
    item   TEXT NOT NULL,
    time   TEXT NOT NULL,
    value  TEXT NOT NULL,
    flag   TEXT,
    valid  BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (site, item, time)
);

CREATE TABLE target_links (
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    task_code   TEXT NOT NULL,
    target_seq  BIGINT NOT NULL,
    target      TEXT NOT NULL,
    PRIMARY KEY (plan_id, task_code, target_seq)
);

-- Sign-in hardening (SQLite 0006): aggregated failed sign-ins, per-address lockouts.
CREATE TABLE login_failures (
    window_start  TEXT NOT NULL,
    ip            TEXT NOT NULL,
    login         TEXT NOT NULL,
    action        TEXT NOT NULL,
    audit_id      BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    last_at       TEXT NOT NULL,
    PRIMARY KEY (window_start, ip, login, action)
);
CREATE INDEX login_failures_audit ON login_failures(audit_id);

CREATE TABLE login_locks (
    user_id       BIGINT NOT NULL REFERENCES users(id),
    ip            TEXT NOT NULL,
    failures      BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT,
    PRIMARY KEY (user_id, ip)
);

-- The audit chain's HMAC keying (SQLite 0007): one row, written once, never changed.
CREATE TABLE audit_keying (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    key_id      TEXT NOT NULL,
    keyed_from  BIGINT NOT NULL,
    keyed_at    TEXT NOT NULL
);

-- The append-only rules. A row is never changed; it is deleted only while the purge gate is
-- open (SQLite's `WHEN (SELECT open FROM audit_gate WHERE id = 1) IS NOT 1`); TRUNCATE, which
-- skips row triggers, is always refused.
CREATE FUNCTION audit_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION audit_refuse_delete() RETURNS trigger AS $$
BEGIN
    IF (SELECT open FROM audit_gate WHERE id = 1) IS NOT TRUE THEN
        RAISE EXCEPTION 'audit records cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be deleted';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE PROCEDURE audit_refuse_update();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE PROCEDURE audit_refuse_delete();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE PROCEDURE audit_refuse_truncate();

CREATE FUNCTION audit_keying_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit keying cannot be changed';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION audit_keying_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit keying cannot be deleted';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_keying_no_update BEFORE UPDATE ON audit_keying
    FOR EACH ROW EXECUTE PROCEDURE audit_keying_refuse_update();
CREATE TRIGGER audit_keying_no_delete BEFORE DELETE ON audit_keying
    FOR EACH ROW EXECUTE PROCEDURE audit_keying_refuse_delete();
CREATE TRIGGER audit_keying_no_truncate BEFORE TRUNCATE ON audit_keying
    FOR EACH STATEMENT EXECUTE PROCEDURE audit_keying_refuse_delete();
