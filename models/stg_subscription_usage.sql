-- stg_subscription_usage: each subscription's usage of each billable metric per customer-local
-- day (Orb's periodic view), from the latest read of that day.
-- grain: one row per (subscription_id, day, billable_metric_id)
-- materialized: view
-- depends on: raw_subscription_usage_latest
SELECT subscription_id, day, billable_metric_id, quantity
FROM raw_subscription_usage_latest
