-- orb-sync's own bookkeeping and the append-only staging tables that streams load into.
-- Runs unchanged on DuckDB and PostgreSQL, in the configured schema (search_path).
-- Money and quantities: DECIMAL(38,18) (see src/destinations/money.ts for why).

CREATE SEQUENCE sync_run_ids START 1;
CREATE SEQUENCE load_ids START 1;

-- One row per orb-sync command that touched this destination.
CREATE TABLE sync_runs (
  run_id BIGINT PRIMARY KEY,
  command VARCHAR NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  status VARCHAR NOT NULL,          -- running | succeeded | failed
  error VARCHAR,
  rows_loaded BIGINT
);

-- Each stream's cursor per partition, committed in the same transaction as the rows it covers.
CREATE TABLE sync_state (
  stream VARCHAR NOT NULL,
  partition_key VARCHAR NOT NULL,
  cursor_value VARCHAR NOT NULL,
  run_id BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (stream, partition_key)
);

-- Records that failed validation, kept whole; their partition's cursor did not advance.
CREATE TABLE rejects (
  run_id BIGINT NOT NULL,
  stream VARCHAR NOT NULL,
  partition_key VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  record JSON NOT NULL,
  rejected_at TIMESTAMPTZ NOT NULL
);

-- Staging is append-only: a version is appended only when its content changed (content_hash),
-- and models pick the latest version (highest load_id) in SQL.
CREATE TABLE raw_subscriptions (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  subscription_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  external_customer_id VARCHAR,
  customer_name VARCHAR,
  customer_timezone VARCHAR NOT NULL,
  plan_id VARCHAR,
  plan_name VARCHAR,
  currency VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  start_date TIMESTAMPTZ NOT NULL,
  end_date TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  content_hash VARCHAR NOT NULL,
  payload JSON NOT NULL
);

-- One row per subscription and customer-local day, from Orb's cumulative costs view:
-- subtotal and total accumulated from timeframe_start (the billing period start) to timeframe_end.
CREATE TABLE raw_subscription_cost_days (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  subscription_id VARCHAR NOT NULL,
  day DATE NOT NULL,
  timeframe_start TIMESTAMPTZ NOT NULL,
  timeframe_end TIMESTAMPTZ NOT NULL,
  subtotal DECIMAL(38, 18) NOT NULL,
  total DECIMAL(38, 18) NOT NULL,
  content_hash VARCHAR NOT NULL
);
CREATE INDEX raw_subscription_cost_days_by_day ON raw_subscription_cost_days (subscription_id, day);

-- The same windows broken down per price (Orb's per_price_costs), loaded with their day row.
CREATE TABLE raw_subscription_price_costs (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  subscription_id VARCHAR NOT NULL,
  day DATE NOT NULL,
  timeframe_start TIMESTAMPTZ NOT NULL,
  timeframe_end TIMESTAMPTZ NOT NULL,
  price_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR,
  currency VARCHAR NOT NULL,
  quantity DECIMAL(38, 18),
  subtotal DECIMAL(38, 18) NOT NULL,
  total DECIMAL(38, 18) NOT NULL
);

-- Public facts, rebuilt by models/fct_*.sql.
CREATE TABLE fct_daily_costs (
  day DATE NOT NULL,
  subscription_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  external_customer_id VARCHAR,
  plan_id VARCHAR,
  price_id VARCHAR NOT NULL,
  billable_metric_id VARCHAR,
  currency VARCHAR NOT NULL,
  quantity DECIMAL(38, 18),
  subtotal DECIMAL(38, 18) NOT NULL,
  total DECIMAL(38, 18) NOT NULL,
  PRIMARY KEY (day, subscription_id, price_id)
);

CREATE TABLE fct_daily_subscription_costs (
  day DATE NOT NULL,
  subscription_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  external_customer_id VARCHAR,
  plan_id VARCHAR,
  currency VARCHAR NOT NULL,
  subtotal DECIMAL(38, 18) NOT NULL,
  total DECIMAL(38, 18) NOT NULL,
  PRIMARY KEY (day, subscription_id)
);
