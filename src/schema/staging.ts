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
  // NULL only in a deleted version (a day a re-read no longer returned).
  timeframe_start: 'timestamptz?',
  timeframe_end: 'timestamptz?',
  subtotal: 'decimal?',
  total: 'decimal?',
  content_hash: 'text',
  // Added by sql/003 and 005; NULL in versions loaded before them.
  period_first_day: 'date?',
  before_start_date: 'boolean?',
  is_deleted: 'boolean?',
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

/** A subscription's periodic usage on one customer-local day: the window Orb reported. */
export const RAW_SUBSCRIPTION_USAGE_DAYS = defineStagingTable('raw_subscription_usage_days', ['subscription_id', 'day'], {
  subscription_id: 'text',
  day: 'date',
  timeframe_start: 'timestamptz',
  timeframe_end: 'timestamptz',
  content_hash: 'text',
});

/** Each metric's quantity on that day, versioned with its day. */
export const RAW_SUBSCRIPTION_USAGE = defineChildTable('raw_subscription_usage', RAW_SUBSCRIPTION_USAGE_DAYS, {
  subscription_id: 'text',
  day: 'date',
  billable_metric_id: 'text',
  quantity: 'decimal',
});

/** One metric's usage on one day split by the event property `group_key` (usageGroupBy). */
export const RAW_SUBSCRIPTION_USAGE_GROUP_DAYS = defineStagingTable(
  'raw_subscription_usage_group_days',
  ['subscription_id', 'billable_metric_id', 'group_key', 'day'],
  {
    subscription_id: 'text',
    billable_metric_id: 'text',
    group_key: 'text',
    day: 'date',
    timeframe_start: 'timestamptz',
    timeframe_end: 'timestamptz',
    content_hash: 'text',
  },
);

/** The quantity of each value of the property that had usage that day, versioned with its day. */
export const RAW_SUBSCRIPTION_USAGE_GROUPS = defineChildTable('raw_subscription_usage_groups', RAW_SUBSCRIPTION_USAGE_GROUP_DAYS, {
  subscription_id: 'text',
  billable_metric_id: 'text',
  group_key: 'text',
  day: 'date',
  group_value: 'text',
  quantity: 'decimal',
});

/** The account's event count in one UTC hour, by event timestamp. */
export const RAW_EVENT_VOLUME_HOURS = defineStagingTable('raw_event_volume_hours', ['hour'], {
  hour: 'timestamptz',
  event_count: 'bigint',
  content_hash: 'text',
});

/** A check of an event id from event_search_requests: found, deprecated or missing, and when. */
export const RAW_EVENT_SEARCH_RESULTS = defineStagingTable('raw_event_search_results', ['event_id'], {
  event_id: 'text',
  status: 'text',
  customer_id: 'text?',
  external_customer_id: 'text?',
  event_name: 'text?',
  timestamp: 'timestamptz?',
  checked_at: 'timestamptz',
  content_hash: 'text',
});

export const RAW_BACKFILLS = defineStagingTable('raw_backfills', ['backfill_id'], {
  backfill_id: 'text',
  customer_id: 'text?',
  timeframe_start: 'timestamptz',
  timeframe_end: 'timestamptz',
  status: 'text',
  replace_existing_events: 'boolean',
  created_at: 'timestamptz',
  close_time: 'timestamptz?',
  reverted_at: 'timestamptz?',
  content_hash: 'text',
  payload: 'json',
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
  RAW_SUBSCRIPTION_USAGE_DAYS,
  RAW_SUBSCRIPTION_USAGE,
  RAW_SUBSCRIPTION_USAGE_GROUP_DAYS,
  RAW_SUBSCRIPTION_USAGE_GROUPS,
  RAW_EVENT_VOLUME_HOURS,
  RAW_EVENT_SEARCH_RESULTS,
  RAW_BACKFILLS,
] as const;
