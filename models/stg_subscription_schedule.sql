-- stg_subscription_schedule: each subscription's plans over time, from its latest schedule read.
-- grain: one row per (subscription_id, start_date)
-- materialized: view
-- depends on: raw_subscription_schedule_items_latest
SELECT subscription_id, plan_id, start_date, end_date, first_day, end_day
FROM raw_subscription_schedule_items_latest
