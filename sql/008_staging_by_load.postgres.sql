-- What staging changed since the last model build (src/models/scopes.ts, changedScopes) is read
-- by load_id: indexed, an incremental build reads the rows of the loads since, not every version
-- of history. load_id only grows, so each load appends to the index's last page.
CREATE INDEX raw_subscription_cost_days_by_load ON raw_subscription_cost_days (load_id);
CREATE INDEX raw_subscription_usage_days_by_load ON raw_subscription_usage_days (load_id);
CREATE INDEX raw_subscription_usage_group_days_by_load ON raw_subscription_usage_group_days (load_id);
CREATE INDEX raw_subscriptions_by_load ON raw_subscriptions (load_id);
CREATE INDEX raw_subscription_schedules_by_load ON raw_subscription_schedules (load_id);
