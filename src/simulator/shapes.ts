/**
 * Orb's JSON shapes (Customer, Plan, Price, Subscription) built from the compact records. Every key
 * the OpenAPI schema requires is present with its documented type; features the simulator does not
 * model (coupons, trials, discounts, addresses…) are present as null or empty.
 */
import { localDate, startOfLocalDay } from '../util/time-zone.js';
import { statusAt, type CustomerRecord, type SubscriptionRecord } from './account.js';
import { periodContaining } from './periods.js';
import type { PlanDef, PriceDef } from './plans.js';
import { makeId } from './random.js';

type Json = Record<string, unknown>;

/** ISO-8601 in UTC without a needless ".000". */
export function iso(instant: Date): string {
  return instant.toISOString().replace('.000Z', 'Z');
}

const MONTHLY = { duration: 1, duration_unit: 'month' };

function minimumJson(amount: string, appliesTo: string[]): Json {
  return { minimum_amount: amount, filters: [], applies_to_price_ids: appliesTo };
}

function modelConfig(price: PriceDef): Json {
  const { model } = price;
  switch (model.kind) {
    case 'unit':
      return { model_type: 'unit', unit_config: { unit_amount: model.unitAmount } };
    // Orb represents a fixed fee as a unit price of type fixed_price with a fixed quantity.
    case 'fixed':
      return { model_type: 'unit', unit_config: { unit_amount: model.amount } };
    case 'tiered':
      return {
        model_type: 'tiered',
        tiered_config: {
          tiers: model.tiers.map((t) => ({ first_unit: t.firstUnit, last_unit: t.lastUnit, unit_amount: t.unitAmount })),
        },
      };
  }
}

const priceCache = new WeakMap<PriceDef, Json>();

export function priceJson(plan: PlanDef, price: PriceDef): Json {
  let json = priceCache.get(price);
  if (!json) {
    const fixed = price.model.kind === 'fixed';
    json = {
      ...modelConfig(price),
      metadata: {},
      id: price.id,
      name: price.name,
      external_price_id: null,
      replaces_price_id: null,
      price_type: fixed ? 'fixed_price' : 'usage_price',
      created_at: iso(plan.createdAt),
      cadence: 'monthly',
      billing_mode: fixed ? 'in_advance' : 'in_arrear',
      billing_cycle_configuration: MONTHLY,
      invoicing_cycle_configuration: null,
      billable_metric: price.metric ? { id: price.metric.id } : null,
      fixed_price_quantity: fixed ? 1 : null,
      plan_phase_order: null,
      currency: plan.currency,
      conversion_rate: null,
      conversion_rate_config: null,
      item: { id: price.itemId, name: price.name },
      credit_allocation: null,
      composite_price_filters: null,
      invoice_grouping_key: null,
      discount: null,
      minimum: price.minimum ? minimumJson(price.minimum, [price.id]) : null,
      minimum_amount: price.minimum,
      maximum: null,
      maximum_amount: null,
    };
    priceCache.set(price, json);
  }
  return json;
}

function minimumAdjustmentJson(plan: PlanDef): Json | null {
  if (plan.minimum === null || plan.minimumAdjustmentId === null) return null;
  return {
    id: plan.minimumAdjustmentId,
    adjustment_type: 'minimum',
    is_invoice_level: true,
    filters: [],
    applies_to_price_ids: plan.prices.map((p) => p.id),
    reason: null,
    replaces_adjustment_id: null,
    minimum_amount: plan.minimum,
    item_id: plan.prices[0]!.itemId,
    plan_phase_order: null,
  };
}

const planCache = new WeakMap<PlanDef, Json>();

export function planJson(plan: PlanDef): Json {
  let json = planCache.get(plan);
  if (!json) {
    const adjustment = minimumAdjustmentJson(plan);
    json = {
      metadata: {},
      id: plan.id,
      name: plan.name,
      description: plan.description,
      maximum_amount: null,
      minimum_amount: plan.minimum,
      created_at: iso(plan.createdAt),
      status: 'active',
      maximum: null,
      minimum: plan.minimum ? minimumJson(plan.minimum, plan.prices.map((p) => p.id)) : null,
      discount: null,
      product: { created_at: iso(plan.createdAt), id: plan.productId, name: plan.name },
      version: 1,
      trial_config: { trial_period: null, trial_period_unit: 'days' },
      plan_phases: null,
      base_plan: null,
      base_plan_id: null,
      external_plan_id: plan.externalId,
      currency: plan.currency,
      invoicing_currency: plan.currency,
      net_terms: 0,
      default_invoice_memo: null,
      prices: plan.prices.map((p) => priceJson(plan, p)),
      adjustments: adjustment ? [adjustment] : [],
    };
    planCache.set(plan, json);
  }
  return json;
}

export function customerJson(customer: CustomerRecord): Json {
  return {
    metadata: {},
    id: customer.id,
    external_customer_id: customer.externalId,
    name: customer.name,
    email: customer.email,
    timezone: customer.timezone,
    payment_provider_id: null,
    payment_provider: null,
    created_at: iso(customer.createdAt),
    shipping_address: null,
    billing_address: null,
    balance: '0.00',
    currency: customer.currency,
    tax_id: null,
    auto_collection: true,
    exempt_from_automated_tax: null,
    email_delivery: true,
    auto_issuance: null,
    additional_emails: [],
    portal_url: null,
    hierarchy: { parent: null, children: [] },
  };
}

/** The billing period containing `now`, clipped to the subscription's end; null unless active. */
function currentPeriod(subscription: SubscriptionRecord, now: Date): { start: string; end: string } | null {
  if (statusAt(subscription, now) !== 'active') return null;
  const tz = subscription.customer.timezone;
  const period = periodContaining(localDate(now, tz), subscription.billingCycleDay);
  const end = startOfLocalDay(period.end, tz);
  const clipped = subscription.end !== null && subscription.end < end ? subscription.end : end;
  return { start: iso(startOfLocalDay(period.start, tz)), end: iso(clipped) };
}

export function subscriptionJson(seed: number, subscription: SubscriptionRecord, now: Date): Json {
  const { plan } = subscription;
  const start = iso(subscription.start);
  const end = subscription.end ? iso(subscription.end) : null;
  const period = currentPeriod(subscription, now);
  const intervalIds = plan.prices.map((_, p) => makeId('pi', seed, 'subscription', subscription.index, p));
  const fixedPrices = plan.prices.filter((p) => p.model.kind === 'fixed');
  const adjustment = minimumAdjustmentJson(plan);
  return {
    metadata: {},
    id: subscription.id,
    customer: customerJson(subscription.customer),
    plan: planJson(plan),
    name: plan.name,
    start_date: start,
    end_date: end,
    created_at: start,
    current_billing_period_start_date: period?.start ?? null,
    current_billing_period_end_date: period?.end ?? null,
    status: statusAt(subscription, now),
    trial_info: { end_date: null },
    active_plan_phase_order: null,
    fixed_fee_quantity_schedule: fixedPrices.map((p) => ({ price_id: p.id, start_date: start, end_date: end, quantity: 1 })),
    default_invoice_memo: null,
    auto_collection: true,
    auto_issuance: null,
    net_terms: 0,
    redeemed_coupon: null,
    billing_cycle_day: subscription.billingCycleDay,
    billing_cycle_anchor_configuration: { day: subscription.billingCycleDay, month: null, year: null },
    invoicing_threshold: null,
    price_intervals: plan.prices.map((price, p) => ({
      id: intervalIds[p],
      start_date: start,
      end_date: end,
      price: priceJson(plan, price),
      billing_cycle_day: subscription.billingCycleDay,
      can_defer_billing: false,
      fixed_fee_quantity_transitions:
        price.model.kind === 'fixed' ? [{ price_id: price.id, effective_date: start, quantity: 1 }] : null,
      current_billing_period_start_date: period?.start ?? null,
      current_billing_period_end_date: period?.end ?? null,
      filter: null,
      usage_customer_ids: null,
    })),
    adjustment_intervals: adjustment
      ? [{ id: makeId('ai', seed, 'subscription', subscription.index), adjustment, start_date: start, end_date: end, applies_to_price_interval_ids: intervalIds }]
      : [],
    discount_intervals: [],
    minimum_intervals: plan.minimum
      ? [{ start_date: start, end_date: end, filters: [], applies_to_price_interval_ids: intervalIds, minimum_amount: plan.minimum }]
      : [],
    maximum_intervals: [],
    pending_subscription_change: null,
  };
}
