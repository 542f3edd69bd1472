-- dim_prices: every Orb price, with the plan that lists it (NULL for add-on prices). config holds
-- the model-specific part (unit_config, tiered_config, …), payload the whole price.
-- grain: one row per price_id
-- materialized: view
-- depends on: stg_prices, stg_plan_prices
SELECT
  p.price_id, pp.plan_id, p.name, p.model_type, p.currency, p.billable_metric_id, p.created_at, p.config, p.payload
FROM stg_prices p
LEFT JOIN (SELECT price_id, MIN(plan_id) AS plan_id FROM stg_plan_prices GROUP BY price_id) pp ON pp.price_id = p.price_id
