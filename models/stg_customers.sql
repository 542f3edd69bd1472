-- stg_customers: the latest version of each Orb customer, as read from a subscription that embeds it.
-- grain: one row per customer_id
-- materialized: view
-- depends on: raw_customers_latest
SELECT customer_id, external_customer_id, name, email, timezone, currency, created_at, extracted_at
FROM raw_customers_latest
