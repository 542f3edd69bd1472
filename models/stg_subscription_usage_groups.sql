-- stg_subscription_usage_groups: usage of each metric in usageGroupBy per value of its event
-- property (group_key) per customer-local day, from the latest read of that day; a value without
-- usage that day has no row. Only the model build's scope (build_scope), like
-- stg_subscription_cost_totals.
-- grain: one row per (subscription_id, billable_metric_id, group_key, day, group_value)
-- materialized: view
-- depends on: raw_subscription_usage_groups_latest_in_scope
SELECT subscription_id, billable_metric_id, group_key, day, group_value, quantity
FROM raw_subscription_usage_groups_latest_in_scope
