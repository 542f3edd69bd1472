-- Usage, hourly event volume, the reconciliation of user-supplied event ids, and Orb's backfills.
-- Staging is append-only versions, as every staging table (see 001).

-- A subscription's usage on one customer-local day (GET /subscriptions/{id}/usage, periodic,
-- granularity=day): the window Orb reported; each metric's quantity rides with it.
CREATE TABLE raw_subscription_usage_days (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  subscription_id VARCHAR NOT NULL,
  day DATE NOT NULL,
  timeframe_start TIMESTAMPTZ NOT NULL,
  timeframe_end TIMESTAMPTZ NOT NULL,
  content_hash VARCHAR NOT NULL
);
CREATE INDEX raw_subscription_usage_days_by_day ON raw_subscription_usage_days (subscription_id, day);

CREATE TABLE raw_subscription_usage (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  subscription_id VARCHAR NOT NULL,
  day DATE NOT NULL,
  billable_metric_id VARCHAR NOT NULL,
  quantity DECIMAL(38, 18) NOT NULL
);

-- The same, for one metric split by the event property group_key (usageGroupBy); a group value
-- with no usage that day has no row.
CREATE TABLE raw_subscription_usage_group_days (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  subscription_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR NOT NULL,
  group_key VARCHAR NOT NULL,
  day DATE NOT NULL,
  timeframe_start TIMESTAMPTZ NOT NULL,
  timeframe_end TIMESTAMPTZ NOT NULL,
  content_hash VARCHAR NOT NULL
);

CREATE TABLE raw_subscription_usage_groups (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  subscription_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR NOT NULL,
  group_key VARCHAR NOT NULL,
  day DATE NOT NULL,
  group_value VARCHAR NOT NULL,
  quantity DECIMAL(38, 18) NOT NULL
);

-- The account's event count per UTC hour (GET /events/volume), by event timestamp.
CREATE TABLE raw_event_volume_hours (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  hour TIMESTAMPTZ NOT NULL,
  event_count BIGINT NOT NULL,
  content_hash VARCHAR NOT NULL
);

-- Event ids to look up in Orb (POST /events/search), inserted by users or by
-- `orb-sync sync --event-ids FILE`. timestamp: when the event happened, if known (the search
-- covers it; without one Orb searches its last 7 days). An id is checked once per request: set
-- requested_at again to ask again.
CREATE TABLE event_search_requests (
  event_id VARCHAR PRIMARY KEY,
  timestamp TIMESTAMPTZ,
  requested_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Each check of a requested id: found, deprecated (found, but replaced by a backfill) or missing.
CREATE TABLE raw_event_search_results (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  event_id VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  customer_id VARCHAR,
  external_customer_id VARCHAR,
  event_name VARCHAR,
  timestamp TIMESTAMPTZ,
  checked_at TIMESTAMPTZ NOT NULL,
  content_hash VARCHAR NOT NULL
);

-- Orb's event backfills; every change of one is a new version, so its status history is kept.
CREATE TABLE raw_backfills (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  backfill_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  timeframe_start TIMESTAMPTZ NOT NULL,
  timeframe_end TIMESTAMPTZ NOT NULL,
  status VARCHAR NOT NULL,
  replace_existing_events BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  close_time TIMESTAMPTZ,
  reverted_at TIMESTAMPTZ,
  content_hash VARCHAR NOT NULL,
  payload JSON NOT NULL
);

-- Public facts, rebuilt by models/fct_*.sql.
CREATE TABLE fct_daily_usage (
  day DATE NOT NULL,
  subscription_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR NOT NULL,
  quantity DECIMAL(38, 18) NOT NULL,
  PRIMARY KEY (day, subscription_id, billable_metric_id)
);

CREATE TABLE fct_daily_usage_by_group (
  day DATE NOT NULL,
  subscription_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR NOT NULL,
  group_key VARCHAR NOT NULL,
  group_value VARCHAR NOT NULL,
  quantity DECIMAL(38, 18) NOT NULL,
  PRIMARY KEY (day, subscription_id, billable_metric_id, group_key, group_value)
);

CREATE TABLE fct_hourly_event_volume (
  hour TIMESTAMPTZ PRIMARY KEY,
  event_count BIGINT NOT NULL
);

CREATE TABLE fct_event_reconciliation (
  event_id VARCHAR PRIMARY KEY,
  status VARCHAR NOT NULL,
  customer_id VARCHAR,
  external_customer_id VARCHAR,
  event_name VARCHAR,
  timestamp TIMESTAMPTZ,
  checked_at TIMESTAMPTZ NOT NULL
);
