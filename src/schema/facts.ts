import { defineTable } from './table.js';

/** The public fact tables (the analysts' contract); models/fct_*.sql fill them. */

export const FCT_DAILY_COSTS = defineTable('fct_daily_costs', {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  external_customer_id: 'text?',
  plan_id: 'text?',
  price_id: 'text',
  billable_metric_id: 'text?',
  currency: 'text',
  quantity: 'decimal?',
  subtotal: 'decimal',
  total: 'decimal',
});

export const FCT_DAILY_SUBSCRIPTION_COSTS = defineTable('fct_daily_subscription_costs', {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  external_customer_id: 'text?',
  plan_id: 'text?',
  currency: 'text',
  subtotal: 'decimal',
  total: 'decimal',
});

export const FCT_DAILY_USAGE = defineTable('fct_daily_usage', {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  billable_metric_id: 'text',
  quantity: 'decimal',
});

export const FCT_DAILY_USAGE_BY_GROUP = defineTable('fct_daily_usage_by_group', {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  billable_metric_id: 'text',
  group_key: 'text',
  group_value: 'text',
  quantity: 'decimal',
});

export const FCT_HOURLY_EVENT_VOLUME = defineTable('fct_hourly_event_volume', {
  hour: 'timestamptz',
  event_count: 'bigint',
});

export const FCT_EVENT_RECONCILIATION = defineTable('fct_event_reconciliation', {
  event_id: 'text',
  status: 'text',
  customer_id: 'text?',
  external_customer_id: 'text?',
  event_name: 'text?',
  timestamp: 'timestamptz?',
  checked_at: 'timestamptz',
});

export const FACT_TABLES = [
  FCT_DAILY_COSTS,
  FCT_DAILY_SUBSCRIPTION_COSTS,
  FCT_DAILY_USAGE,
  FCT_DAILY_USAGE_BY_GROUP,
  FCT_HOURLY_EVENT_VOLUME,
  FCT_EVENT_RECONCILIATION,
] as const;
