-- PostgreSQL indexes staging by load_id (see the .postgres.sql). DuckDB needs no index: it skips
-- the row groups whose load_ids are all older by their min/max, and an index would stop future
-- migrations from altering these tables' columns.
SELECT 1;
