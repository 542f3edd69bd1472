-- dim_subscriptions: Orb subscriptions with their customer and current plan.
-- grain: one row per subscription_id
-- materialized: view
-- depends on: stg_subscriptions
SELECT
  subscription_id, customer_id, external_customer_id, plan_id, plan_name, currency, status,
  start_date, end_date, created_at
FROM stg_subscriptions
