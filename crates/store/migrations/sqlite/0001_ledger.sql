-- The ledger: plans (with baseline versions), units, tasks, targets, milestones, rounds,
-- reports, extension requests, instructions, and the append-only, hash-chained audit log.
-- Dates are ISO 'YYYY-MM-DD'; times are UTC RFC 3339 strings.

CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    source        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    settings      TEXT NOT NULL,
    task_force    TEXT,
    demo          INTEGER NOT NULL DEFAULT 0,
    row_version   INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

-- Each import or amendment of a plan: the reading it was made from.
CREATE TABLE plan_versions (
    plan_id      INTEGER NOT NULL REFERENCES plans(id),
    version      INTEGER NOT NULL,
    reading      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE units (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    aliases      TEXT NOT NULL DEFAULT '[]',
    row_version  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE plan_units (
    plan_id   INTEGER NOT NULL REFERENCES plans(id),
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    member    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, unit_id)
);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id),
    plan_version  INTEGER NOT NULL,
    code          TEXT NOT NULL,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    line          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, plan_version, code)
);

CREATE TABLE task_units (
    task_id  INTEGER NOT NULL REFERENCES tasks(id),
    unit_id  INTEGER NOT NULL REFERENCES units(id),
    role     TEXT NOT NULL CHECK (role IN ('lead', 'support')),
    seq      INTEGER NOT NULL,
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_units_unit ON task_units(unit_id);

CREATE TABLE targets (
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks(id),
    seq       INTEGER NOT NULL,
    value     REAL NOT NULL,
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
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks(id),
    seq       INTEGER NOT NULL,
    text      TEXT NOT NULL,
    deadline  TEXT,
    UNIQUE (task_id, seq)
);

CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id),
    plan_version  INTEGER NOT NULL,
    name          TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    due           TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    demo          INTEGER NOT NULL DEFAULT 0,
    row_version   INTEGER NOT NULL DEFAULT 1,
    opened_at     TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX rounds_plan ON rounds(plan_id, as_of);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES rounds(id),
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    state          TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    narrative      TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    next_steps     TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL,
    submitted_at   TEXT,
    late           INTEGER NOT NULL DEFAULT 0,
    reviewed_by    TEXT,
    reviewed_at    TEXT,
    return_reason  TEXT,
    demo           INTEGER NOT NULL DEFAULT 0,
    row_version    INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL,
    UNIQUE (round_id, task_id, unit_id)
);
CREATE INDEX reports_task ON reports(task_id);

CREATE TABLE report_values (
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    target_id  INTEGER NOT NULL REFERENCES targets(id),
    value      REAL NOT NULL,
    PRIMARY KEY (report_id, target_id)
);

CREATE TABLE report_milestones (
    report_id     INTEGER NOT NULL REFERENCES reports(id),
    milestone_id  INTEGER NOT NULL REFERENCES milestones(id),
    done          INTEGER NOT NULL,
    done_on       TEXT,
    PRIMARY KEY (report_id, milestone_id)
);

CREATE TABLE evidence (
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    sha256     TEXT NOT NULL,
    name       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

CREATE TABLE extensions (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    target_id     INTEGER REFERENCES targets(id),
    milestone_id  INTEGER REFERENCES milestones(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    old_deadline  TEXT,
    requested     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    decided_by    TEXT,
    decided_at    TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE instructions (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The audit log: append-only; each record carries the hash of the previous one.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
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
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit records cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit records cannot be deleted');
END;
