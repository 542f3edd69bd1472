-- The first day of a model build's scope, which the build sets on its connection (SET VARIABLE;
-- unset: null, so the scoped views are empty). DuckDB folds getvariable() into a constant when it
-- binds a query, so `day >= scope_first_day()` filters each scan, as a literal date would.
CREATE MACRO scope_first_day() AS getvariable('orb_sync_scope_first_day')::DATE;
