-- PostgreSQL indexes the daily staging and the facts by day (see the .postgres.sql). DuckDB reads
-- the day column alone to find a scope's rows, and would hold an index whole in memory.
SELECT 1;
