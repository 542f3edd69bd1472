-- dim_backfills: Orb's event backfills as last seen. customer_id is NULL for a backfill of every
-- customer; close_time is when it closed (or will close by itself, while open).
-- grain: one row per backfill_id
-- materialized: view
-- depends on: stg_backfills
SELECT backfill_id, customer_id, timeframe_start, timeframe_end, status, replace_existing_events,
  created_at, close_time, reverted_at
FROM stg_backfills
