-- fct_event_reconciliation: each event id in event_search_requests, as Orb last answered for it:
-- found, deprecated (found, but replaced by a backfill) or missing. timestamp: the event's in
-- Orb, or for a missing id the one it was requested with.
-- grain: one row per event_id
-- materialized: table
-- depends on: stg_event_search_results
SELECT r.event_id, c.status, c.customer_id, c.external_customer_id, c.event_name,
  COALESCE(c.timestamp, r.timestamp) AS timestamp, c.checked_at
FROM event_search_requests r
JOIN stg_event_search_results c ON c.event_id = r.event_id
