-- The audit chain keyed with an HMAC whose key lives outside the database (the file
-- `<database>.audit-key`, see `src/audit.rs`). The one row is written when the database is
-- first opened after this migration: the key's id (a prefix of its SHA-256) and the first
-- record hashed with the key (1 for a new database; for an existing one, the record after the
-- last, so that earlier records keep their plain hashes). It never changes.
CREATE TABLE audit_keying (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key_id     TEXT NOT NULL,
    keyed_from INTEGER NOT NULL,
    keyed_at   TEXT NOT NULL
);

CREATE TRIGGER audit_keying_no_update BEFORE UPDATE ON audit_keying
BEGIN
    SELECT RAISE(ABORT, 'the audit keying cannot be changed');
END;

CREATE TRIGGER audit_keying_no_delete BEFORE DELETE ON audit_keying
BEGIN
    SELECT RAISE(ABORT, 'the audit keying cannot be deleted');
END;
