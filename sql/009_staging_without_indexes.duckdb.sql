-- DuckDB keeps an ART index whole in memory, inside its memory limit, and it grows with the
-- staging table: at 10,000 subscriptions × 365 days the cost days' index alone outgrew a 100MB
-- limit. DuckDB never used these indexes for the loader's lookups (a list of subscriptions) nor for
-- the models' joins, and an append of 50 subscriptions' days took 7× as long with one kept up to date.
-- Its scans skip by the tables' min/max per row group instead.
DROP INDEX raw_subscription_cost_days_by_day;
DROP INDEX raw_subscription_usage_days_by_day;
