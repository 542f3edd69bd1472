-- stg_event_volume: the account's event count per UTC hour (by event timestamp), from the latest
-- read of that hour.
-- grain: one row per hour
-- materialized: view
-- depends on: raw_event_volume_hours_latest
SELECT hour, event_count
FROM raw_event_volume_hours_latest
