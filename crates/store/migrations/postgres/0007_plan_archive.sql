-- PostgreSQL migration 7 (SQLite 0011): a finished plan can be archived (read-only, still shown
-- and searchable).
ALTER TABLE plans ADD COLUMN archived_at TEXT;
