-- fct_daily_costs: cost of each price of each subscription on each customer-local day.
-- Orb reports costs cumulatively within a billing period; a day's cost is the change from the
-- previous day of the same period (the first day of a period is its cumulative value).
-- grain: one row per (day, subscription_id, price_id)
-- materialized: table
-- depends on: stg_subscription_costs, dim_subscriptions
SELECT
  c.day, c.subscription_id, s.customer_id, s.external_customer_id, s.plan_id,
  c.price_id, c.billable_metric_id, c.currency,
  c.cumulative_quantity - COALESCE(LAG(c.cumulative_quantity) OVER period_days, 0) AS quantity,
  c.cumulative_subtotal - COALESCE(LAG(c.cumulative_subtotal) OVER period_days, 0) AS subtotal,
  c.cumulative_total - COALESCE(LAG(c.cumulative_total) OVER period_days, 0) AS total
FROM stg_subscription_costs c
JOIN dim_subscriptions s USING (subscription_id)
WINDOW period_days AS (PARTITION BY c.subscription_id, c.price_id, c.period_start ORDER BY c.day)
