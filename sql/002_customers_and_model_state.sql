-- Customers as their own staging table (from subscriptions' embedded customer, and GET /customers),
-- so dim_customers follows the same latest-version rule as every other record.
CREATE TABLE raw_customers (
  run_id BIGINT NOT NULL,
  load_id BIGINT NOT NULL,
  extracted_at TIMESTAMPTZ NOT NULL,
  customer_id VARCHAR NOT NULL,
  external_customer_id VARCHAR,
  name VARCHAR,
  email VARCHAR,
  timezone VARCHAR NOT NULL,
  currency VARCHAR,
  created_at TIMESTAMPTZ NOT NULL,
  content_hash VARCHAR NOT NULL,
  payload JSON NOT NULL
);

-- The definition of each view model as last created: views are replaced only when orb-sync's SQL
-- for them changed, never dropped and recreated on every run (analysts build views on ours).
CREATE TABLE model_state (
  model VARCHAR PRIMARY KEY,
  definition_hash VARCHAR NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
