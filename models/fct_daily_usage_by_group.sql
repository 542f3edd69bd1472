-- fct_daily_usage_by_group: usage of each metric in usageGroupBy per value of its event property
-- (group_key = the property, group_value = its value) on each customer-local day with usage.
-- Built per scope (build_scope, which stg_subscription_usage_groups reads), like fct_daily_usage.
-- grain: one row per (day, subscription_id, billable_metric_id, group_key, group_value)
-- materialized: table
-- scope: subscription days
-- depends on: stg_subscription_usage_groups, dim_subscriptions
SELECT g.day, g.subscription_id, s.customer_id, g.billable_metric_id, g.group_key, g.group_value, g.quantity
FROM stg_subscription_usage_groups g
JOIN dim_subscriptions s ON s.subscription_id = g.subscription_id
