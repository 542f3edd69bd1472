-- The catalogue: plans, prices (from every place a price appears), and each subscription's
-- schedule of plans. Append-only versions, as every staging table (see 001).
CREATE TABLE raw_plans (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  plan_id VARCHAR NOT NULL,
  external_plan_id VARCHAR,
  name VARCHAR,
  currency VARCHAR,
  status VARCHAR,
  created_at TIMESTAMPTZ,
  content_hash VARCHAR NOT NULL,
  payload JSON NOT NULL
);

-- The prices a plan version lists, versioned with it.
CREATE TABLE raw_plan_prices (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  plan_id VARCHAR NOT NULL,
  price_id VARCHAR NOT NULL
);

-- Every price: common columns, the model-specific part as config, and the whole object. Any
-- model_type loads, including ones Orb adds later.
CREATE TABLE raw_prices (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  price_id VARCHAR NOT NULL,
  name VARCHAR,
  model_type VARCHAR NOT NULL,
  currency VARCHAR,
  billable_metric_id VARCHAR,
  created_at TIMESTAMPTZ,
  content_hash VARCHAR NOT NULL,
  config JSON NOT NULL,
  payload JSON NOT NULL
);

-- One version per subscription's whole schedule; its items ride with it.
CREATE TABLE raw_subscription_schedules (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  subscription_id VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL
);

-- A plan in force over [start_date, end_date). first_day / end_day: the customer-local days whose
-- start falls inside it (a day belongs to the plan in force at its local midnight).
CREATE TABLE raw_subscription_schedule_items (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  subscription_id VARCHAR NOT NULL,
  plan_id VARCHAR NOT NULL,
  start_date TIMESTAMPTZ NOT NULL,
  end_date TIMESTAMPTZ,
  first_day DATE NOT NULL,
  end_day DATE
);
