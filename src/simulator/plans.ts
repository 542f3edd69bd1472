/**
 * The plan catalogue: a few plans that together exercise every pricing rule the costs engine knows
 * (unit, tiered, fixed fee in advance, a tiny unit amount with 11 decimals, price-level and
 * plan-level minimums). Amounts are decimal strings; they are only ever combined with src/util/decimal.
 */
import { makeId } from './random.js';

/** A billable metric and the shape of its simulated hourly usage. */
export interface Metric {
  readonly key: number; // stable small integer mixed into the usage hash
  readonly id: string;
  readonly name: string;
  readonly maxPerHour: number; // before the customer's integer volume factor
  readonly minPerHour: number;
  readonly idleShare: number; // fraction of hours with no usage at all
}

export interface Tier {
  readonly firstUnit: number;
  readonly lastUnit: number | null;
  readonly unitAmount: string;
}

export type PriceModel =
  | { readonly kind: 'unit'; readonly unitAmount: string }
  | { readonly kind: 'tiered'; readonly tiers: readonly Tier[] }
  | { readonly kind: 'fixed'; readonly amount: string };

export interface PriceDef {
  readonly id: string;
  readonly name: string;
  readonly itemId: string;
  readonly metric: Metric | null; // null for fixed fees
  readonly model: PriceModel;
  readonly minimum: string | null; // price-level minimum per billing period
}

export interface PlanDef {
  readonly key: number;
  readonly id: string;
  readonly externalId: string;
  readonly name: string;
  readonly description: string;
  readonly currency: string;
  readonly prices: readonly PriceDef[];
  readonly minimum: string | null; // plan-level (subscription) minimum per billing period
  readonly minimumAdjustmentId: string | null;
  readonly productId: string;
  readonly createdAt: Date;
}

export const STARTER = 0;
export const GROWTH = 1;
export const SCALE = 2;

interface MetricTemplate {
  name: string;
  minPerHour: number;
  maxPerHour: number;
  idleShare: number;
}

const METRICS: readonly MetricTemplate[] = [
  { name: 'API calls', minPerHour: 1, maxPerHour: 400, idleShare: 0.2 },
  { name: 'Compute hours', minPerHour: 1, maxPerHour: 120, idleShare: 0.3 },
  { name: 'Storage GB-hours', minPerHour: 1, maxPerHour: 60, idleShare: 0.1 },
  // High volume so that a unit amount of 0.00000000123 yields amounts needing more than 10 decimals.
  { name: 'Ingested events', minPerHour: 1_000_000, maxPerHour: 9_000_000, idleShare: 0.05 },
];
const API_CALLS = 0;
const COMPUTE_HOURS = 1;
const STORAGE = 2;
const EVENTS = 3;

interface PriceTemplate {
  name: string;
  metric: number | null;
  model: PriceModel;
  minimum?: string;
}

interface PlanTemplate {
  name: string;
  description: string;
  currency: string;
  minimum?: string;
  prices: PriceTemplate[];
}

const PLANS: readonly PlanTemplate[] = [
  {
    name: 'Starter',
    description: 'Pay per API call plus a platform fee',
    currency: 'USD',
    prices: [
      { name: 'API calls', metric: API_CALLS, model: { kind: 'unit', unitAmount: '0.002' } },
      { name: 'Starter platform fee', metric: null, model: { kind: 'fixed', amount: '49.00' } },
    ],
  },
  {
    name: 'Growth',
    description: 'Tiered compute, metered storage with a minimum, and a monthly commitment',
    currency: 'USD',
    minimum: '250.00',
    prices: [
      {
        name: 'Compute hours',
        metric: COMPUTE_HOURS,
        model: {
          kind: 'tiered',
          tiers: [
            { firstUnit: 0, lastUnit: 1000, unitAmount: '0.05' },
            { firstUnit: 1000, lastUnit: 10000, unitAmount: '0.04' },
            { firstUnit: 10000, lastUnit: null, unitAmount: '0.025' },
          ],
        },
      },
      { name: 'Storage', metric: STORAGE, model: { kind: 'unit', unitAmount: '0.01' }, minimum: '20.00' },
      { name: 'Growth platform fee', metric: null, model: { kind: 'fixed', amount: '99.00' } },
    ],
  },
  {
    name: 'Scale',
    description: 'Event ingestion at volume',
    currency: 'EUR',
    prices: [
      { name: 'Ingested events', metric: EVENTS, model: { kind: 'unit', unitAmount: '0.00000000123' } },
      { name: 'API calls', metric: API_CALLS, model: { kind: 'unit', unitAmount: '0.0015' } },
      { name: 'Scale platform fee', metric: null, model: { kind: 'fixed', amount: '500.00' } },
    ],
  },
];

export function buildPlans(seed: number, createdAt: Date): PlanDef[] {
  const metrics: Metric[] = METRICS.map((m, key) => ({ ...m, key, id: makeId('bm', seed, 'metric', key) }));
  return PLANS.map((plan, key) => ({
    key,
    id: makeId('plan', seed, 'plan', key),
    externalId: `plan-${plan.name.toLowerCase()}`,
    name: plan.name,
    description: plan.description,
    currency: plan.currency,
    minimum: plan.minimum ?? null,
    minimumAdjustmentId: plan.minimum ? makeId('adj', seed, 'plan', key) : null,
    productId: makeId('prod', seed, 'plan', key),
    createdAt,
    prices: plan.prices.map((price, p) => ({
      id: makeId('price', seed, 'plan', key, 'price', p),
      name: price.name,
      itemId: makeId('item', seed, 'plan', key, 'price', p),
      metric: price.metric === null ? null : metrics[price.metric]!,
      model: price.model,
      minimum: price.minimum ?? null,
    })),
  }));
}
