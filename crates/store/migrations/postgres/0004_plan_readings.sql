-- SQLite migration 0009: plan readings brought in through the desk, kept as drafts until
-- confirmed (see the SQLite file).
CREATE TABLE plan_readings (
    id           BIGSERIAL PRIMARY KEY,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    text         TEXT NOT NULL,
    original     TEXT NOT NULL,
    reading      TEXT NOT NULL,
    diagnostics  TEXT NOT NULL,
    reapplied    TEXT NOT NULL DEFAULT '{}',
    revises      BIGINT REFERENCES plans(id),
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed', 'discarded')),
    plan_id      BIGINT REFERENCES plans(id),
    version      BIGINT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    row_version  BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX plan_readings_plan ON plan_readings(plan_id);

-- Every change announced, as for the tables of migration 3.
CREATE TRIGGER plan_readings_changed AFTER INSERT OR UPDATE OR DELETE ON plan_readings
    FOR EACH STATEMENT EXECUTE PROCEDURE zhuanban_changed();
