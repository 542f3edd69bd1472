-- int_subscription_cost_days: each subscription's own cost per customer-local day: Orb's cumulative
-- value minus the previous day's in the same billing period. A day is complete when it starts its
-- period or the day before it was read too; otherwise (the day after a rejected one) its change
-- cannot be known and the facts leave it out, as they leave out the day before the start date
-- (read only as the next day's starting point).
-- grain: one row per (subscription_id, day)
-- materialized: view
-- depends on: stg_subscription_cost_totals
SELECT
  subscription_id, day, period_start, COALESCE(before_start_date, FALSE) AS before_start_date,
  cumulative_subtotal - COALESCE(LAG(cumulative_subtotal) OVER period_days, 0) AS subtotal,
  cumulative_total - COALESCE(LAG(cumulative_total) OVER period_days, 0) AS total,
  COALESCE(day = period_first_day, FALSE) OR COALESCE(LAG(day) OVER period_days = day - 1, FALSE) AS is_complete
FROM stg_subscription_cost_totals
WINDOW period_days AS (PARTITION BY subscription_id, period_start ORDER BY day)
