-- Plan readings brought in through the desk: the document's text as read, the reader's
-- reading, and the office's corrected reading, kept as a draft until it is confirmed as a new
-- plan or as a new version of one (then `plan_id` and `version` name what it became). A
-- reading of a revised document carries the office's earlier corrections of the tasks that did
-- not change (`reapplied` names them).
CREATE TABLE plan_readings (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    text         TEXT NOT NULL,
    original     TEXT NOT NULL,
    reading      TEXT NOT NULL,
    diagnostics  TEXT NOT NULL,
    reapplied    TEXT NOT NULL DEFAULT '{}',
    revises      INTEGER REFERENCES plans(id),
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed', 'discarded')),
    plan_id      INTEGER REFERENCES plans(id),
    version      INTEGER,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    row_version  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX plan_readings_plan ON plan_readings(plan_id);
