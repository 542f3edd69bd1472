-- dim_customers: Orb customers, as embedded in their most recently extracted subscription.
-- grain: one row per customer_id
-- materialized: view
-- depends on: stg_subscriptions
SELECT customer_id, external_customer_id, customer_name AS name, customer_timezone AS timezone
FROM (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY extracted_at DESC, subscription_id) AS version_rank
  FROM stg_subscriptions s
) versions
WHERE version_rank = 1
