-- fct_daily_usage: usage of each billable metric of each subscription on each customer-local day
-- (zero included: Orb reports every metric a subscription bills, every day). Built per scope
-- (build_scope, which stg_subscription_usage reads): only the subscriptions' days that changed.
-- grain: one row per (day, subscription_id, billable_metric_id)
-- materialized: table
-- scope: subscription days
-- depends on: stg_subscription_usage, dim_subscriptions
SELECT u.day, u.subscription_id, s.customer_id, u.billable_metric_id, u.quantity
FROM stg_subscription_usage u
JOIN dim_subscriptions s ON s.subscription_id = u.subscription_id
