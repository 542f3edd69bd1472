-- dim_plans: Orb plans.
-- grain: one row per plan_id
-- materialized: view
-- depends on: stg_plans
SELECT plan_id, name, currency, status, external_plan_id, created_at, payload
FROM stg_plans
