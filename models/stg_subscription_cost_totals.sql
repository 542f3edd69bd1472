-- stg_subscription_cost_totals: Orb's cumulative cost of the whole subscription (with
-- subscription-level minimums and discounts) since its billing period start, per local day,
-- from the latest extraction of that day (a day a re-read no longer returned is gone). Only the
-- model build's scope (build_scope, whole billing periods): a build's work follows what changed,
-- not the length of history; empty outside a build.
-- grain: one row per (subscription_id, day)
-- materialized: view
-- depends on: raw_subscription_cost_days_latest_in_scope
SELECT
  subscription_id, day, timeframe_start AS period_start, period_first_day, before_start_date, timeframe_end,
  subtotal AS cumulative_subtotal, total AS cumulative_total
FROM raw_subscription_cost_days_latest_in_scope
WHERE NOT COALESCE(is_deleted, FALSE)
