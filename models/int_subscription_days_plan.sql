-- int_subscription_days_plan: the plan in force on each day a subscription has costs, from its
-- schedule; the subscription's current plan where the schedule has not been read.
-- grain: one row per (subscription_id, day)
-- materialized: view
-- depends on: int_subscription_cost_days, dim_subscription_schedule, dim_subscriptions
SELECT d.subscription_id, d.day, COALESCE(sch.plan_id, s.plan_id) AS plan_id
FROM int_subscription_cost_days d
JOIN dim_subscriptions s ON s.subscription_id = d.subscription_id
LEFT JOIN dim_subscription_schedule sch ON sch.subscription_id = d.subscription_id
  AND sch.first_day <= d.day AND (sch.end_day IS NULL OR d.day < sch.end_day)
