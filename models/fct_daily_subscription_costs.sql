-- fct_daily_subscription_costs: cost of each whole subscription on each customer-local day,
-- including subscription-level minimums and discounts that no single price carries.
-- grain: one row per (day, subscription_id)
-- materialized: table
-- depends on: int_subscription_cost_days, dim_subscriptions
SELECT d.day, d.subscription_id, s.customer_id, s.external_customer_id, s.plan_id, s.currency, d.subtotal, d.total
FROM int_subscription_cost_days d
JOIN dim_subscriptions s ON s.subscription_id = d.subscription_id
WHERE d.is_complete AND NOT d.before_start_date
