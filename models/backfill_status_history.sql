-- backfill_status_history: every status of each backfill orb-sync has seen, in order: the first
-- version seen, then each version whose status differs from the one before it. seen_at: the start
-- of the run that saw it. A view over the versions, so a status is on record once its version is
-- committed.
-- grain: one row per (backfill_id, seen_at)
-- materialized: view
-- depends on: raw_backfills
SELECT backfill_id, status, extracted_at AS seen_at, run_id
FROM (
  SELECT backfill_id, status, extracted_at, run_id,
    LAG(status) OVER (PARTITION BY backfill_id ORDER BY load_id) AS previous_status
  FROM raw_backfills
) versions
WHERE previous_status IS NULL OR previous_status <> status
