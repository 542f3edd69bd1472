/**
 * Orb's JSON shapes (Customer, Plan, Price, Subscription) built from the compact records. Every key
 * the OpenAPI schema requires is present with its documented type; features the simulator does not
 * model (coupons, trials, addresses…) are present as null or empty.
 */
import { planAt, statusAt, type CustomerRecord, type Phase, type SubscriptionRecord } from './account.js';
import { periodContaining } from './periods.js';
import type { PlanDef, PriceDef } from './plans.js';
import { makeId } from './random.js';
import { localDate, startOfLocalDay } from './time-zone.js';

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
    case 'package':
      return {
        model_type: 'package',
        package_config: { package_amount: model.packageAmount, package_size: model.packageSize },
      };
    case 'tiered':
      return {
        model_type: 'tiered',
        tiered_config: {
          tiers: model.tiers.map((t) => ({ first_unit: t.firstUnit, last_unit: t.lastUnit, unit_amount: t.unitAmount })),
        },
      };
    // Orb names each model's configuration after it.
    case 'unknown':
      return { model_type: model.modelType, [`${model.modelType}_config`]: model.config };
  }
}

const priceCache = new WeakMap<PriceDef, Json>();

export function priceJson(price: PriceDef): Json {
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
      created_at: iso(price.createdAt),
      cadence: price.cadence,
      billing_mode: fixed ? 'in_advance' : 'in_arrear',
      billing_cycle_configuration: MONTHLY,
      invoicing_cycle_configuration: null,
      billable_metric: price.metric ? { id: price.metric.id } : null,
      fixed_price_quantity: fixed ? 1 : null,
      plan_phase_order: null,
      currency: price.currency,
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

/** The plan's adjustments as Orb lists them: its percentage discount, then its minimum. */
function adjustmentsJson(plan: PlanDef): Json[] {
  const adjustments: Json[] = [];
  const common = { is_invoice_level: true, filters: [], reason: null, replaces_adjustment_id: null, plan_phase_order: null };
  if (plan.discount) {
    adjustments.push({
      ...common,
      id: plan.discount.id,
      adjustment_type: 'percentage_discount',
      applies_to_price_ids: [...plan.discount.priceIds],
      percentage_discount: Number(plan.discount.percentage),
    });
  }
  if (plan.minimum !== null && plan.minimumAdjustmentId !== null) {
    adjustments.push({
      ...common,
      id: plan.minimumAdjustmentId,
      adjustment_type: 'minimum',
      applies_to_price_ids: plan.prices.map((p) => p.id),
      minimum_amount: plan.minimum,
      item_id: plan.prices[0]!.itemId,
    });
  }
  return adjustments;
}

const planCache = new WeakMap<PlanDef, Json>();

export function planJson(plan: PlanDef): Json {
  let json = planCache.get(plan);
  if (!json) {
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
      prices: plan.prices.map((p) => priceJson(p)),
      adjustments: adjustmentsJson(plan),
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

interface PhaseIntervals {
  readonly phase: Phase;
  readonly start: string;
  readonly end: string | null;
  readonly intervalIds: string[];
}

export function subscriptionJson(seed: number, subscription: SubscriptionRecord, now: Date): Json {
  const plan = planAt(subscription, now);
  const start = iso(subscription.start);
  const end = subscription.end ? iso(subscription.end) : null;
  const period = currentPeriod(subscription, now);
  // Each phase (plan) contributes its own price intervals and adjustment intervals, as in Orb.
  const phases: PhaseIntervals[] = subscription.phases.map((phase, ph) => ({
    phase,
    start: iso(phase.start),
    end: phase.end ? iso(phase.end) : null,
    intervalIds: phase.plan.prices.map((_, p) => makeId('pi', seed, 'subscription', subscription.index, ph, p)),
  }));
  const inForce = (p: PhaseIntervals) => period !== null && p.phase === subscription.phases.find((x) => x.plan === plan);
  return {
    metadata: {},
    id: subscription.id,
    customer: customerJson(subscription.customer),
    plan: planJson(plan),
    name: plan.name,
    start_date: start,
    end_date: end,
    created_at: iso(subscription.createdAt),
    current_billing_period_start_date: period?.start ?? null,
    current_billing_period_end_date: period?.end ?? null,
    status: statusAt(subscription, now),
    trial_info: { end_date: null },
    active_plan_phase_order: null,
    fixed_fee_quantity_schedule: phases.flatMap((p) =>
      p.phase.plan.prices
        .filter((price) => price.model.kind === 'fixed')
        .map((price) => ({ price_id: price.id, start_date: p.start, end_date: p.end, quantity: 1 })),
    ),
    default_invoice_memo: null,
    auto_collection: true,
    auto_issuance: null,
    net_terms: 0,
    redeemed_coupon: null,
    billing_cycle_day: subscription.billingCycleDay,
    billing_cycle_anchor_configuration: { day: subscription.billingCycleDay, month: null, year: null },
    invoicing_threshold: null,
    price_intervals: phases.flatMap((p) =>
      p.phase.plan.prices.map((price, i) => ({
        id: p.intervalIds[i],
        start_date: p.start,
        end_date: p.end,
        price: priceJson(price),
        billing_cycle_day: subscription.billingCycleDay,
        can_defer_billing: false,
        fixed_fee_quantity_transitions:
          price.model.kind === 'fixed' ? [{ price_id: price.id, effective_date: p.start, quantity: 1 }] : null,
        current_billing_period_start_date: inForce(p) ? period!.start : null,
        current_billing_period_end_date: inForce(p) ? period!.end : null,
        filter: null,
        usage_customer_ids: null,
      })),
    ),
    adjustment_intervals: phases.flatMap((p, ph) =>
      adjustmentsJson(p.phase.plan).map((adjustment, a) => ({
        id: makeId('ai', seed, 'subscription', subscription.index, ph, a),
        adjustment,
        start_date: p.start,
        end_date: p.end,
        applies_to_price_interval_ids: p.intervalIds,
      })),
    ),
    discount_intervals: phases.flatMap((p) => {
      const discount = p.phase.plan.discount;
      if (!discount) return [];
      return [{
        discount_type: 'percentage',
        percentage_discount: Number(discount.percentage),
        start_date: p.start,
        end_date: p.end,
        filters: [],
        applies_to_price_interval_ids: p.intervalIds.filter((_, i) => discount.priceIds.includes(p.phase.plan.prices[i]!.id)),
      }];
    }),
    minimum_intervals: phases.flatMap((p) =>
      p.phase.plan.minimum
        ? [{ start_date: p.start, end_date: p.end, filters: [], applies_to_price_interval_ids: p.intervalIds, minimum_amount: p.phase.plan.minimum }]
        : [],
    ),
    maximum_intervals: [],
    pending_subscription_change: null,
  };
}

/** Orb's PlanMinified: how a schedule item names its plan. */
export function planMinifiedJson(plan: PlanDef): Json {
  return { id: plan.id, external_plan_id: plan.externalId, name: plan.name };
}

/** One SubscriptionScheduleItem: a phase of the subscription, i.e. a plan and the dates it is in force. */
export function scheduleItemJson(subscription: SubscriptionRecord, phase: Phase): Json {
  return {
    created_at: iso(subscription.createdAt),
    start_date: iso(phase.start),
    end_date: phase.end ? iso(phase.end) : null,
    plan: planMinifiedJson(phase.plan),
  };
}
