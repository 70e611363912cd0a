-- Caches of derived data (the desk's judgement) are kept until the database changes, by any
-- server: SQLite says so with `PRAGMA data_version`; here every statement that changes a
-- table sends a notification on the channel `zhuanban_changes`, which PostgreSQL delivers to
-- the listening servers when the transaction commits (and never for one rolled back).
--
-- PostgreSQL-specific: a plpgsql trigger function, statement-level triggers, pg_notify and a
-- DO block that adds the trigger to every table of the schema. A later migration that makes a
-- table runs the same DO block again (a table that has the trigger is skipped). KingbaseES
-- supports LISTEN/NOTIFY; openGauss does not: there the store would poll a change counter
-- instead (not built yet).
CREATE FUNCTION zhuanban_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('zhuanban_changes', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT table_name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_migrations'
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger
                       WHERE tgname = t.table_name || '_changed'
                         AND tgrelid = (quote_ident(t.table_name))::regclass) THEN
            EXECUTE 'CREATE TRIGGER ' || quote_ident(t.table_name || '_changed')
                 || ' AFTER INSERT OR UPDATE OR DELETE ON ' || quote_ident(t.table_name)
                 || ' FOR EACH STATEMENT EXECUTE PROCEDURE zhuanban_changed()';
        END IF;
    END LOOP;
END;
$$;
