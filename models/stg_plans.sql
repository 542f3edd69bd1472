-- stg_plans: the latest version of each Orb plan.
-- grain: one row per plan_id
-- materialized: view
-- depends on: raw_plans_latest
SELECT plan_id, external_plan_id, name, currency, status, created_at, payload, extracted_at
FROM raw_plans_latest
