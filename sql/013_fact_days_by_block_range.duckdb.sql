-- PostgreSQL's fact indexes change kind (see the .postgres.sql); DuckDB has none on the facts.
SELECT 1;
