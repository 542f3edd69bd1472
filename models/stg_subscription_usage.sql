-- stg_subscription_usage: each subscription's usage of each billable metric per customer-local
-- day (Orb's periodic view), from the latest read of that day. Only the model build's scope
-- (build_scope), like stg_subscription_cost_totals.
-- grain: one row per (subscription_id, day, billable_metric_id)
-- materialized: view
-- depends on: raw_subscription_usage_latest_in_scope
SELECT subscription_id, day, billable_metric_id, quantity
FROM raw_subscription_usage_latest_in_scope
