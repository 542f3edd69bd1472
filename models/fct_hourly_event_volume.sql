-- fct_hourly_event_volume: the number of events with a timestamp in each UTC hour read, late
-- events and backfills included as of the last re-read of that hour.
-- grain: one row per hour
-- materialized: table
-- depends on: stg_event_volume
SELECT hour, event_count
FROM stg_event_volume
