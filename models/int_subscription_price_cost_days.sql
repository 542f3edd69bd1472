-- int_subscription_price_cost_days: each price's own cost per customer-local day: its cumulative
-- value minus the previous day's in the same billing period (a price new in the period counts in
-- full). Whether the day is complete is int_subscription_cost_days' call. The model build's scope
-- only, as stg_subscription_costs.
-- grain: one row per (subscription_id, day, price_id)
-- materialized: view
-- depends on: stg_subscription_costs
SELECT
  c.subscription_id, c.day, c.period_start, c.price_id, c.billable_metric_id, c.currency,
  c.cumulative_quantity - COALESCE(LAG(c.cumulative_quantity) OVER period_days, 0) AS quantity,
  c.cumulative_subtotal - COALESCE(LAG(c.cumulative_subtotal) OVER period_days, 0) AS subtotal,
  c.cumulative_total - COALESCE(LAG(c.cumulative_total) OVER period_days, 0) AS total
FROM stg_subscription_costs c
WINDOW period_days AS (PARTITION BY c.subscription_id, c.price_id, c.period_start ORDER BY c.day)
