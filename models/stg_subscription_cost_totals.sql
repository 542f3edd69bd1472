-- stg_subscription_cost_totals: Orb's cumulative cost of the whole subscription (with
-- subscription-level minimums and discounts) since its billing period start, per local day,
-- from the latest extraction of that day (highest load_id).
-- grain: one row per (subscription_id, day)
-- materialized: view
-- depends on: raw_subscription_cost_days
SELECT
  d.subscription_id, d.day, d.load_id, d.timeframe_start AS period_start, d.timeframe_end,
  d.subtotal AS cumulative_subtotal, d.total AS cumulative_total
FROM raw_subscription_cost_days d
JOIN (
  SELECT subscription_id, day, MAX(load_id) AS load_id
  FROM raw_subscription_cost_days
  GROUP BY subscription_id, day
) latest USING (subscription_id, day, load_id)
