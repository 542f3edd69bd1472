-- An incremental model build reads its scope from scope_first_day() on (sql/010): the daily
-- staging through the in-scope views, and the facts it deletes, audits and totals. Indexed by day,
-- PostgreSQL reads those days, not every version and fact of history (a build of yesterday's
-- changes then takes as long with a year of history as with a month).
CREATE INDEX raw_subscription_cost_days_on_day ON raw_subscription_cost_days (day);
CREATE INDEX raw_subscription_price_costs_on_day ON raw_subscription_price_costs (day);
CREATE INDEX raw_subscription_usage_days_on_day ON raw_subscription_usage_days (day);
CREATE INDEX raw_subscription_usage_on_day ON raw_subscription_usage (day);
CREATE INDEX raw_subscription_usage_group_days_on_day ON raw_subscription_usage_group_days (day);
CREATE INDEX raw_subscription_usage_groups_on_day ON raw_subscription_usage_groups (day);
CREATE INDEX fct_daily_costs_on_day ON fct_daily_costs (day);
CREATE INDEX fct_daily_subscription_costs_on_day ON fct_daily_subscription_costs (day);
CREATE INDEX fct_daily_usage_on_day ON fct_daily_usage (day);
CREATE INDEX fct_daily_usage_by_group_on_day ON fct_daily_usage_by_group (day);
