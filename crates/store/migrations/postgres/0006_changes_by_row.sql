-- A change is announced only when rows change (0003 announced every statement that could
-- change a table, rows or none): the dispatch worker's `INSERT … ON CONFLICT DO NOTHING` of a
-- reminder already posted changed nothing, yet moved every server's data version and threw away
-- the desk's kept judgements each pass (on a province's ledger, several times a minute).
--
-- So every table's trigger `<table>_changed` fires for each changed row (PostgreSQL sends one
-- notification per transaction and channel however many rows call `pg_notify` with the same
-- payload). A later migration that makes a table adds the same row-level trigger.
--
-- Except the tables of per-request and per-pass bookkeeping, from which no cache derives
-- anything (each is read from the database where it is used), so that writing them does not
-- throw the desk's judgements away: `sessions` (a signed-in account's session is touched about
-- once a minute: with hundreds of units signed in, every few seconds), `inbox`, `inbox_reads`
-- and `outbox` (the dispatch worker posts reminders each pass: on a province's first pass,
-- tens of thousands, for minutes), `login_failures` and `login_locks` (signing in).
--
-- PostgreSQL-specific, as 0003 (a DO block, row-level triggers with `EXECUTE PROCEDURE`).
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT table_name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_migrations'
    LOOP
        EXECUTE 'DROP TRIGGER IF EXISTS ' || quote_ident(t.table_name || '_changed')
             || ' ON ' || quote_ident(t.table_name);
        IF t.table_name NOT IN ('sessions', 'inbox', 'inbox_reads', 'outbox', 'login_failures',
                                'login_locks') THEN
            EXECUTE 'CREATE TRIGGER ' || quote_ident(t.table_name || '_changed')
                 || ' AFTER INSERT OR UPDATE OR DELETE ON ' || quote_ident(t.table_name)
                 || ' FOR EACH ROW EXECUTE PROCEDURE zhuanban_changed()';
        END IF;
    END LOOP;
END;
$$;
