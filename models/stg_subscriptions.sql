-- stg_subscriptions: the latest extracted version of each Orb subscription.
-- grain: one row per subscription_id
-- materialized: view
-- depends on: raw_subscriptions
SELECT
  subscription_id, customer_id, external_customer_id, customer_name, customer_timezone,
  plan_id, plan_name, currency, status, start_date, end_date, created_at, extracted_at
FROM (
  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY subscription_id ORDER BY load_id DESC) AS version_rank
  FROM raw_subscriptions r
) versions
WHERE version_rank = 1
