-- The fact tables lose their primary keys: keeping the key's index up to date cost a model build
-- more than the SELECT it inserts. Each build audits the grain instead (audit() in
-- src/models/build-facts.ts; the grain is declared in src/schema/facts.ts). Dropping a constraint
-- keeps the table, its rows, its NOT NULLs and the views analysts built on it.
ALTER TABLE fct_daily_costs DROP CONSTRAINT fct_daily_costs_pkey;
ALTER TABLE fct_daily_subscription_costs DROP CONSTRAINT fct_daily_subscription_costs_pkey;
ALTER TABLE fct_daily_usage DROP CONSTRAINT fct_daily_usage_pkey;
ALTER TABLE fct_daily_usage_by_group DROP CONSTRAINT fct_daily_usage_by_group_pkey;
ALTER TABLE fct_hourly_event_volume DROP CONSTRAINT fct_hourly_event_volume_pkey;
ALTER TABLE fct_event_reconciliation DROP CONSTRAINT fct_event_reconciliation_pkey;
