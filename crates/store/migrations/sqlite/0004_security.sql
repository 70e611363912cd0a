-- Security: password history, second factor, sessions awaiting it, and the audit purge gate.

CREATE TABLE password_history (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    hash        TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, changed_at);

ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE sessions ADD COLUMN mfa_pending INTEGER NOT NULL DEFAULT 0;

-- Records older than the retention period may be purged, only through `zhuanban audit purge`,
-- which opens this gate inside its transaction and leaves an anchor for verification.
CREATE TABLE audit_gate (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    open  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_gate (id, open) VALUES (1, 0);

DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN (SELECT open FROM audit_gate WHERE id = 1) IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'audit records cannot be deleted');
END;

-- After a purge, verification starts from here: the last purged record's id and hash.
CREATE TABLE audit_anchor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    INTEGER NOT NULL,
    last_hash  TEXT NOT NULL,
    purged_at  TEXT NOT NULL
);
