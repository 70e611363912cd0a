-- Sign-in hardening.

-- Failed and throttled sign-ins, aggregated: one row per window, address, login name (capped
-- at 64 characters before it gets here) and action. The first failure of a window writes one
-- chained audit record (`audit_id`); later ones in the same window only count here, so a flood
-- costs one audit record per address and name per window instead of one per request. The count
-- is outside the hash chain: the chain proves that failures happened, this table how many.
CREATE TABLE login_failures (
    window_start  TEXT NOT NULL,
    ip            TEXT NOT NULL,
    login         TEXT NOT NULL,
    action        TEXT NOT NULL,
    audit_id      INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    last_at       TEXT NOT NULL,
    PRIMARY KEY (window_start, ip, login, action)
);
CREATE INDEX login_failures_audit ON login_failures(audit_id);

-- Failed sign-ins per (account, address): a run of failures locks that address out of that
-- account; the account itself locks only when several addresses are locked out at once.
CREATE TABLE login_locks (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    ip            TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    PRIMARY KEY (user_id, ip)
);

-- A password set by someone other than its owner (an administrator on the desk, an operator
-- with `zhuanban user add/reset`) must be changed at the next sign-in.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- Login names are unique without regard to case ("Office" beside "office" is refused, and
-- signing in ignores case). An existing account whose name differs from an older one's only
-- in case is renamed "<login>-<id>" and disabled, so that the index can be built; the operator
-- finds it in `zhuanban user list` and on the accounts page, and renames or removes it.
UPDATE users SET login = login || '-' || id, disabled = 1
 WHERE EXISTS (SELECT 1 FROM users o WHERE lower(o.login) = lower(users.login) AND o.id < users.id);
CREATE UNIQUE INDEX users_login_nocase ON users(lower(login));
