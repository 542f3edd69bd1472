-- stg_event_search_results: the latest check of each event id looked up in Orb.
-- grain: one row per event_id
-- materialized: view
-- depends on: raw_event_search_results_latest
SELECT event_id, status, customer_id, external_customer_id, event_name, timestamp, checked_at
FROM raw_event_search_results_latest
