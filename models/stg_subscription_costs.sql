-- stg_subscription_costs: Orb's cumulative cost of each price since its billing period start,
-- as of each customer-local day, from the latest extraction of that day. Only the model build's
-- scope (build_scope), like stg_subscription_cost_totals.
-- grain: one row per (subscription_id, day, price_id)
-- materialized: view
-- depends on: raw_subscription_price_costs_latest_in_scope
SELECT
  subscription_id, day, timeframe_start AS period_start, timeframe_end,
  price_id, billable_metric_id, currency,
  quantity AS cumulative_quantity, subtotal AS cumulative_subtotal, total AS cumulative_total
FROM raw_subscription_price_costs_latest_in_scope
