-- stg_subscription_costs: Orb's cumulative cost of each price since its billing period start,
-- as of each customer-local day, from the latest extraction of that day.
-- grain: one row per (subscription_id, day, price_id)
-- materialized: view
-- depends on: raw_subscription_price_costs, stg_subscription_cost_totals
SELECT
  p.subscription_id, p.day, p.timeframe_start AS period_start, p.timeframe_end,
  p.price_id, p.billable_metric_id, p.currency,
  p.quantity AS cumulative_quantity, p.subtotal AS cumulative_subtotal, p.total AS cumulative_total
FROM raw_subscription_price_costs p
-- A day's price rows were loaded with its day row: the latest day row's load_id picks them.
JOIN stg_subscription_cost_totals latest ON latest.subscription_id = p.subscription_id
  AND latest.day = p.day AND latest.load_id = p.load_id
