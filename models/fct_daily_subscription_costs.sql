-- fct_daily_subscription_costs: cost of each whole subscription on each customer-local day,
-- including subscription-level minimums and discounts that no single price carries.
-- grain: one row per (day, subscription_id)
-- materialized: table
-- depends on: stg_subscription_cost_totals, dim_subscriptions
SELECT
  t.day, t.subscription_id, s.customer_id, s.external_customer_id, s.plan_id, s.currency,
  t.cumulative_subtotal - COALESCE(LAG(t.cumulative_subtotal) OVER period_days, 0) AS subtotal,
  t.cumulative_total - COALESCE(LAG(t.cumulative_total) OVER period_days, 0) AS total
FROM stg_subscription_cost_totals t
JOIN dim_subscriptions s USING (subscription_id)
WINDOW period_days AS (PARTITION BY t.subscription_id, t.period_start ORDER BY t.day)
