-- dim_subscription_schedule: the plan in force for each subscription over [start_date, end_date).
-- first_day / end_day: the customer-local days it rules (a day follows the plan in force at its
-- local midnight), end_day exclusive; end_date and end_day are NULL while open-ended.
-- grain: one row per (subscription_id, start_date)
-- materialized: view
-- depends on: stg_subscription_schedule
SELECT subscription_id, plan_id, start_date, end_date, first_day, end_day
FROM stg_subscription_schedule
