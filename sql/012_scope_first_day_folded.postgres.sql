-- scope_first_day() (sql/010) becomes IMMUTABLE, so the planner evaluates it once, when it plans
-- a statement, and each scan compares with a constant date. As STABLE, a sequential scan's filter
-- called it for every row: a lookup of the setting and a parse of its text, 0.4 µs a row, which
-- made a full build's scans of the staging and the facts take 2–4 times as long as the scans
-- themselves. The promise it breaks, the same value forever, holds where PostgreSQL relies on it:
-- every statement is planned when it runs (orb-sync prepares none) and a view stores its text, not
-- a plan, so each statement gets the value its own transaction set. Nothing indexes on it.
CREATE OR REPLACE FUNCTION scope_first_day() RETURNS date LANGUAGE sql IMMUTABLE
AS $$ SELECT NULLIF(current_setting('orb_sync.scope_first_day', true), '')::date $$;
