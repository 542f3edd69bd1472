-- fct_daily_subscription_costs: cost of each whole subscription on each customer-local day,
-- including subscription-level minimums and discounts that no single price carries, with the plan
-- in force that day.
-- grain: one row per (day, subscription_id)
-- materialized: table
-- scope: subscription days
-- depends on: int_subscription_cost_days, int_subscription_days_plan, dim_subscriptions
SELECT d.day, d.subscription_id, s.customer_id, s.external_customer_id, pl.plan_id, s.currency, d.subtotal, d.total
FROM int_subscription_cost_days d
JOIN int_subscription_days_plan pl ON pl.subscription_id = d.subscription_id AND pl.day = d.day
JOIN dim_subscriptions s ON s.subscription_id = d.subscription_id
WHERE d.is_complete AND NOT d.before_start_date
