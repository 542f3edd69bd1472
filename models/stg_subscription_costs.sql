-- stg_subscription_costs: Orb's cumulative cost of each price since its billing period start,
-- as of each customer-local day, from the latest extraction of that day.
-- grain: one row per (subscription_id, day, price_id)
-- materialized: view
-- depends on: raw_subscription_cost_days, raw_subscription_price_costs
SELECT
  p.subscription_id, p.day, p.timeframe_start AS period_start, p.timeframe_end,
  p.price_id, p.billable_metric_id, p.currency,
  p.quantity AS cumulative_quantity, p.subtotal AS cumulative_subtotal, p.total AS cumulative_total
FROM raw_subscription_price_costs p
JOIN (
  SELECT subscription_id, day, MAX(load_id) AS load_id
  FROM raw_subscription_cost_days
  GROUP BY subscription_id, day
) latest USING (subscription_id, day, load_id)
