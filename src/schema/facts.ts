import { defineFactTable } from './table.js';

/** The public fact tables (the analysts' contract); models/fct_*.sql fill them, one row per grain. */

export const FCT_DAILY_COSTS = defineFactTable('fct_daily_costs', ['day', 'subscription_id', 'price_id'], {
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

export const FCT_DAILY_SUBSCRIPTION_COSTS = defineFactTable('fct_daily_subscription_costs', ['day', 'subscription_id'], {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  external_customer_id: 'text?',
  plan_id: 'text?',
  currency: 'text',
  subtotal: 'decimal',
  total: 'decimal',
});

export const FCT_DAILY_USAGE = defineFactTable('fct_daily_usage', ['day', 'subscription_id', 'billable_metric_id'], {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  billable_metric_id: 'text',
  quantity: 'decimal',
});

export const FCT_DAILY_USAGE_BY_GROUP = defineFactTable('fct_daily_usage_by_group', ['day', 'subscription_id', 'billable_metric_id', 'group_key', 'group_value'], {
  day: 'date',
  subscription_id: 'text',
  customer_id: 'text',
  billable_metric_id: 'text',
  group_key: 'text',
  group_value: 'text',
  quantity: 'decimal',
});

export const FCT_HOURLY_EVENT_VOLUME = defineFactTable('fct_hourly_event_volume', ['hour'], {
  hour: 'timestamptz',
  event_count: 'bigint',
});

export const FCT_EVENT_RECONCILIATION = defineFactTable('fct_event_reconciliation', ['event_id'], {
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
