-- stg_backfills: the latest version of each Orb event backfill.
-- grain: one row per backfill_id
-- materialized: view
-- depends on: raw_backfills_latest
SELECT backfill_id, customer_id, timeframe_start, timeframe_end, status, replace_existing_events,
  created_at, close_time, reverted_at, payload, extracted_at
FROM raw_backfills_latest
