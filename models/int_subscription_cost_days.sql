-- int_subscription_cost_days: each subscription's own cost per customer-local day: Orb's cumulative
-- value minus the previous day's in the same billing period. A day is complete when it starts its
-- period or the day before it was read too; otherwise (the day after a rejected one) its change
-- cannot be known and the facts leave it out, as they leave out the day before the start date
-- (read only as the next day's starting point). The model build's scope only (whole billing
-- periods), as stg_subscription_cost_totals.
-- grain: one row per (subscription_id, day)
-- materialized: view
-- depends on: stg_subscription_cost_totals
SELECT
  t.subscription_id, t.day, t.period_start, COALESCE(t.before_start_date, FALSE) AS before_start_date,
  t.cumulative_subtotal - COALESCE(LAG(t.cumulative_subtotal) OVER period_days, 0) AS subtotal,
  t.cumulative_total - COALESCE(LAG(t.cumulative_total) OVER period_days, 0) AS total,
  COALESCE(t.day = t.period_first_day, FALSE) OR COALESCE(LAG(t.day) OVER period_days = t.day - 1, FALSE) AS is_complete
FROM stg_subscription_cost_totals t
WINDOW period_days AS (PARTITION BY t.subscription_id, t.period_start ORDER BY t.day)
