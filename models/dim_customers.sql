-- dim_customers: Orb customers.
-- grain: one row per customer_id
-- materialized: view
-- depends on: stg_customers
SELECT customer_id, external_customer_id, name, email, timezone, currency, created_at
FROM stg_customers
