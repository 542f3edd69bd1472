-- stg_plan_prices: the prices each plan lists, as of the plan's latest version.
-- grain: one row per (plan_id, price_id)
-- materialized: view
-- depends on: raw_plan_prices_latest
SELECT DISTINCT plan_id, price_id
FROM raw_plan_prices_latest
