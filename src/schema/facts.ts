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

export const FACT_TABLES = [FCT_DAILY_COSTS, FCT_DAILY_SUBSCRIPTION_COSTS] as const;
