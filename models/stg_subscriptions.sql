-- stg_subscriptions: the latest extracted version of each Orb subscription.
-- grain: one row per subscription_id
-- materialized: view
-- depends on: raw_subscriptions_latest
SELECT
  subscription_id, customer_id, external_customer_id, customer_name, customer_timezone,
  plan_id, plan_name, currency, status, start_date, end_date, created_at, extracted_at
FROM raw_subscriptions_latest
