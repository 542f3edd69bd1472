-- The first day of a model build's scope, which the build sets for its own transaction
-- (set_config(..., true); unset outside a build: null, so the scoped views are empty). The views
-- read it through this function because PostgreSQL inlines it and plans with its value, as with a
-- constant: `day >= scope_first_day()` reads only the scope's recent rows, where a subquery over
-- build_scope was a parameter of unknown value, planned as a third of every table's history.
CREATE FUNCTION scope_first_day() RETURNS date LANGUAGE sql STABLE
AS $$ SELECT NULLIF(current_setting('orb_sync.scope_first_day', true), '')::date $$;
