-- A change is announced only when rows change (0003 announced every statement that could
-- change a table, rows or none): the dispatch worker's `INSERT … ON CONFLICT DO NOTHING` of a
-- reminder already posted changed nothing, yet moved every server's data version and threw away
-- the desk's kept judgements each pass (on a province's ledger, several times a minute).
--
-- So every table's trigger `<table>_changed` fires for each changed row (PostgreSQL sends one
-- notification per transaction and channel however many rows call `pg_notify` with the same
-- payload). A later migration that makes a table adds the same row-level trigger.
--
-- Except `sessions`: a signed-in account's session is touched about once a minute, and no
-- cache derives anything from sessions (every request reads its session from the database),
-- so a touch must not throw the desk's judgements away (with hundreds of units signed in, it
-- would every few seconds).
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
        IF t.table_name <> 'sessions' THEN
            EXECUTE 'CREATE TRIGGER ' || quote_ident(t.table_name || '_changed')
                 || ' AFTER INSERT OR UPDATE OR DELETE ON ' || quote_ident(t.table_name)
                 || ' FOR EACH ROW EXECUTE PROCEDURE zhuanban_changed()';
        END IF;
    END LOOP;
END;
$$;
