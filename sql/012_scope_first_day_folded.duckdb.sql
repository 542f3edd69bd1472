-- Nothing changes on DuckDB: it folds scope_first_day() (sql/010) into a constant when it binds a
-- query already. The macro is declared again as it is, because a migration has a text per engine.
CREATE OR REPLACE MACRO scope_first_day() AS getvariable('orb_sync_scope_first_day')::DATE;
