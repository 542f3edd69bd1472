-- stg_prices: the latest version of each Orb price, from wherever it was seen (plans, the add-on
-- list, subscriptions' price intervals, cost rows).
-- grain: one row per price_id
-- materialized: view
-- depends on: raw_prices_latest
SELECT price_id, name, model_type, currency, billable_metric_id, created_at, config, payload, extracted_at
FROM raw_prices_latest
