-- PostgreSQL keeps its indexes on the raw staging tables (see the DuckDB side of this migration):
-- their memory is the server's, not orb-sync's.
SELECT 1;
