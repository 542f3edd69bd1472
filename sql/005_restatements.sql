-- Restatement: rebuilding exactly the facts Orb's history changed, and recording what changed.

-- The (subscription, [day_from, day_to)) scopes a model build covers, written and removed inside
-- the build's transaction (no one else ever sees a row). NULL bounds are open. built_through_day:
-- the subscription's last day in the facts before the build (what a change restates).
CREATE TABLE build_scope (
  subscription_id VARCHAR NOT NULL,
  day_from DATE,
  day_to DATE,
  built_through_day DATE
);

-- Staging loaded up to this load_id is reflected in the facts; a build covers what changed since.
CREATE TABLE model_build_state (
  id INTEGER PRIMARY KEY,
  built_through_load_id BIGINT NOT NULL,
  built_at TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE restatement_ids START 1;

-- One row per rebuild of past facts: why (trigger backfill | lookback | manual), its requested
-- [day_from, day_to) (the union of its subscriptions' local-day scopes), and how it ended.
CREATE TABLE restatements (
  restatement_id BIGINT PRIMARY KEY,
  trigger VARCHAR NOT NULL,
  backfill_id VARCHAR,
  reason VARCHAR,
  day_from DATE,
  day_to DATE,
  status VARCHAR NOT NULL,          -- pending | done
  requested_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  run_id BIGINT
);

-- Each restatement's subscriptions, with their own customer-local days.
CREATE TABLE restatement_scope (
  restatement_id BIGINT NOT NULL,
  subscription_id VARCHAR NOT NULL,
  day_from DATE NOT NULL,
  day_to DATE NOT NULL,
  PRIMARY KEY (restatement_id, subscription_id)
);

-- What each restatement changed: Σ fct_daily_costs.total over its scope, before and after.
CREATE TABLE restatement_totals (
  restatement_id BIGINT NOT NULL,
  currency VARCHAR NOT NULL,
  total_before DECIMAL(38, 18) NOT NULL,
  total_after DECIMAL(38, 18) NOT NULL,
  PRIMARY KEY (restatement_id, currency)
);

-- A re-read that no longer returns a day appends a deleted version of it (a tombstone), so a day
-- a backfill made vanish vanishes from the latest version and from the facts.
-- (DuckDB alters no column of an indexed table: the index is rebuilt around it.)
DROP INDEX raw_subscription_cost_days_by_day;
ALTER TABLE raw_subscription_cost_days ADD COLUMN is_deleted BOOLEAN;
ALTER TABLE raw_subscription_cost_days ALTER COLUMN timeframe_start DROP NOT NULL;
ALTER TABLE raw_subscription_cost_days ALTER COLUMN timeframe_end DROP NOT NULL;
ALTER TABLE raw_subscription_cost_days ALTER COLUMN subtotal DROP NOT NULL;
ALTER TABLE raw_subscription_cost_days ALTER COLUMN total DROP NOT NULL;
CREATE INDEX raw_subscription_cost_days_by_day ON raw_subscription_cost_days (subscription_id, day);

-- What each run did (API calls, retries, 429s, rows, restatements, durations), as JSON.
ALTER TABLE sync_runs ADD COLUMN summary JSON;
