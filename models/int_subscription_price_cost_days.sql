-- int_subscription_price_cost_days: each price's own cost per customer-local day: its cumulative
-- value minus the previous day's in the same billing period (a price new in the period counts in
-- full). Whether the day is complete is int_subscription_cost_days' call.
-- grain: one row per (subscription_id, day, price_id)
-- materialized: view
-- depends on: stg_subscription_costs
SELECT
  subscription_id, day, period_start, price_id, billable_metric_id, currency,
  cumulative_quantity - COALESCE(LAG(cumulative_quantity) OVER period_days, 0) AS quantity,
  cumulative_subtotal - COALESCE(LAG(cumulative_subtotal) OVER period_days, 0) AS subtotal,
  cumulative_total - COALESCE(LAG(cumulative_total) OVER period_days, 0) AS total
FROM stg_subscription_costs
WINDOW period_days AS (PARTITION BY subscription_id, price_id, period_start ORDER BY day)
