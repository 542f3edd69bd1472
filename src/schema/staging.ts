import { defineChildTable, defineStagingTable } from './table.js';

/** Append-only versions of what each stream read from Orb; see table.ts for the version rule. */

export const RAW_SUBSCRIPTIONS = defineStagingTable('raw_subscriptions', ['subscription_id'], {
  subscription_id: 'text',
  customer_id: 'text',
  external_customer_id: 'text?',
  customer_name: 'text?',
  customer_timezone: 'text',
  plan_id: 'text?',
  plan_name: 'text?',
  currency: 'text',
  status: 'text',
  start_date: 'timestamptz',
  end_date: 'timestamptz?',
  created_at: 'timestamptz',
  content_hash: 'text',
  payload: 'json',
});

export const RAW_CUSTOMERS = defineStagingTable('raw_customers', ['customer_id'], {
  customer_id: 'text',
  external_customer_id: 'text?',
  name: 'text?',
  email: 'text?',
  timezone: 'text',
  currency: 'text?',
  created_at: 'timestamptz',
  content_hash: 'text',
  payload: 'json',
});

/** Orb's cumulative costs of a subscription as of the end of one customer-local day. */
export const RAW_SUBSCRIPTION_COST_DAYS = defineStagingTable('raw_subscription_cost_days', ['subscription_id', 'day'], {
  subscription_id: 'text',
  day: 'date',
  timeframe_start: 'timestamptz',
  timeframe_end: 'timestamptz',
  subtotal: 'decimal',
  total: 'decimal',
  content_hash: 'text',
  // Added by sql/003; NULL only in versions loaded before it.
  period_first_day: 'date?',
  before_start_date: 'boolean?',
});

/** The same day broken down per price (Orb's per_price_costs), versioned with its day. */
export const RAW_SUBSCRIPTION_PRICE_COSTS = defineChildTable('raw_subscription_price_costs', RAW_SUBSCRIPTION_COST_DAYS, {
  subscription_id: 'text',
  day: 'date',
  timeframe_start: 'timestamptz',
  timeframe_end: 'timestamptz',
  price_id: 'text',
  billable_metric_id: 'text?',
  currency: 'text',
  quantity: 'decimal?',
  subtotal: 'decimal',
  total: 'decimal',
});

export const RAW_PLANS = defineStagingTable('raw_plans', ['plan_id'], {
  plan_id: 'text',
  external_plan_id: 'text?',
  name: 'text?',
  currency: 'text?',
  status: 'text?',
  created_at: 'timestamptz?',
  content_hash: 'text',
  payload: 'json',
});

export const RAW_PLAN_PRICES = defineChildTable('raw_plan_prices', RAW_PLANS, {
  plan_id: 'text',
  price_id: 'text',
});

export const RAW_PRICES = defineStagingTable('raw_prices', ['price_id'], {
  price_id: 'text',
  name: 'text?',
  model_type: 'text',
  currency: 'text?',
  billable_metric_id: 'text?',
  created_at: 'timestamptz?',
  content_hash: 'text',
  config: 'json',
  payload: 'json',
});

export const RAW_SUBSCRIPTION_SCHEDULES = defineStagingTable('raw_subscription_schedules', ['subscription_id'], {
  subscription_id: 'text',
  content_hash: 'text',
});

export const RAW_SUBSCRIPTION_SCHEDULE_ITEMS = defineChildTable('raw_subscription_schedule_items', RAW_SUBSCRIPTION_SCHEDULES, {
  subscription_id: 'text',
  plan_id: 'text',
  start_date: 'timestamptz',
  end_date: 'timestamptz?',
  first_day: 'date',
  end_day: 'date?',
});

export const STAGING_TABLES = [
  RAW_SUBSCRIPTIONS,
  RAW_CUSTOMERS,
  RAW_SUBSCRIPTION_COST_DAYS,
  RAW_SUBSCRIPTION_PRICE_COSTS,
  RAW_PLANS,
  RAW_PLAN_PRICES,
  RAW_PRICES,
  RAW_SUBSCRIPTION_SCHEDULES,
  RAW_SUBSCRIPTION_SCHEDULE_ITEMS,
] as const;
