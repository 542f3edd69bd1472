-- The facts' day indexes become BRIN: a build inserts each fact ordered by day (build-facts.ts), so
-- a block range's first and last day find a scope's days as a B-tree did, and a build keeps a
-- range's summary up to date for almost nothing: a full build took 8% less time (PostgreSQL 15,
-- 200 subscriptions × 365 days, medians of 8 alternating runs: 1,418 → 1,306 ms, against a
-- CREATE TABLE AS of the same SELECTs in 915). An incremental build deletes a recent scope and
-- appends it again, so recent days stay together. New ranges are summarized after each run
-- (refreshStatistics), not by autosummarize: its requests queue for autovacuum, a full build's
-- overflow the queue, and the server logs each one lost. The daily staging keeps its B-trees: it
-- is loaded by subscription, not by day.
DROP INDEX fct_daily_costs_on_day;
DROP INDEX fct_daily_subscription_costs_on_day;
DROP INDEX fct_daily_usage_on_day;
DROP INDEX fct_daily_usage_by_group_on_day;
CREATE INDEX fct_daily_costs_on_day ON fct_daily_costs USING brin (day);
CREATE INDEX fct_daily_subscription_costs_on_day ON fct_daily_subscription_costs USING brin (day);
CREATE INDEX fct_daily_usage_on_day ON fct_daily_usage USING brin (day);
CREATE INDEX fct_daily_usage_by_group_on_day ON fct_daily_usage_by_group USING brin (day);
