-- PostgreSQL migration 0005 (SQLite 0010): the judgement reads a plan's accepted values and
-- milestone states from its targets and milestones (report_values by target,
-- report_milestones by milestone); their primary keys lead with the report, so without these
-- indexes every judgement scanned both tables whole (on a province's ledger, a million rows
-- each: about a second per plan).
CREATE INDEX IF NOT EXISTS report_values_target ON report_values(target_id);
CREATE INDEX IF NOT EXISTS report_milestones_milestone ON report_milestones(milestone_id);
