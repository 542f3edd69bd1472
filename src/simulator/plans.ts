/**
 * The catalogue: billable metrics, a few plans that together exercise every pricing rule the costs
 * engine knows (unit, tiered, package, fixed fee in advance, a tiny unit amount with 11 decimals,
 * price- and plan-level minimums, a percentage discount), add-on prices that belong to no plan
 * (optionally one of a model_type Orb does not have) and one-off charges that some subscriptions
 * pay in their first billing period, which only ever appear in cost rows.
 * Amounts are decimal strings; they are only ever combined with src/util/decimal.
 */
import { makeId } from './random.js';

/**
 * A billable metric: the sum of one numeric event property over the events with one name. Its
 * simulated traffic is described by the per-hour quantity range and the share of idle hours.
 */
export interface Metric {
  readonly key: number; // stable small integer mixed into the usage hash
  readonly id: string;
  readonly name: string;
  readonly eventName: string;
  readonly property: string; // the summed property
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
  | { readonly kind: 'package'; readonly packageAmount: string; readonly packageSize: number }
  | { readonly kind: 'fixed'; readonly amount: string }
  /** A model_type Orb does not have (yet), served as `<modelType>_config`: listed, never billed. */
  | { readonly kind: 'unknown'; readonly modelType: string; readonly config: Readonly<Record<string, unknown>> };

export interface PriceDef {
  readonly id: string;
  readonly name: string;
  readonly itemId: string;
  readonly currency: string;
  readonly createdAt: Date;
  readonly cadence: 'monthly' | 'one_time';
  readonly metric: Metric | null; // null for fixed fees
  readonly model: PriceModel;
  readonly minimum: string | null; // price-level minimum per billing period
}

/** A plan-level percentage discount on some of its prices (Orb's percentage_discount adjustment). */
export interface PercentageDiscount {
  readonly id: string;
  readonly percentage: string; // a fraction: "0.1" is 10 % off
  readonly priceIds: readonly string[];
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
  readonly discount: PercentageDiscount | null;
  readonly productId: string;
  readonly createdAt: Date;
}

export interface Catalogue {
  readonly metrics: readonly Metric[];
  readonly plans: readonly PlanDef[];
  /** Prices that belong to no plan (GET /prices lists only these, as Orb does). */
  readonly addOnPrices: readonly PriceDef[];
  /** One fixed one-time charge per currency, billed to some subscriptions outside their plan (see account.ts). */
  readonly oneOffCharges: readonly PriceDef[];
}

export const STARTER = 0;
export const GROWTH = 1;
export const SCALE = 2;

interface MetricTemplate {
  name: string;
  eventName: string;
  property: string;
  minPerHour: number;
  maxPerHour: number;
  idleShare: number;
}

const METRICS: readonly MetricTemplate[] = [
  { name: 'API calls', eventName: 'api_request', property: 'requests', minPerHour: 1, maxPerHour: 400, idleShare: 0.2 },
  { name: 'Compute hours', eventName: 'compute', property: 'hours', minPerHour: 1, maxPerHour: 120, idleShare: 0.3 },
  { name: 'Storage GB-hours', eventName: 'storage', property: 'gb_hours', minPerHour: 1, maxPerHour: 60, idleShare: 0.1 },
  // High volume so that a unit amount of 0.00000000123 yields amounts needing more than 10 decimals.
  { name: 'Ingested events', eventName: 'ingest_batch', property: 'events', minPerHour: 1_000_000, maxPerHour: 9_000_000, idleShare: 0.05 },
  { name: 'Webhook deliveries', eventName: 'webhook_delivered', property: 'deliveries', minPerHour: 1, maxPerHour: 900, idleShare: 0.4 },
];
const API_CALLS = 0;
const COMPUTE_HOURS = 1;
const STORAGE = 2;
const EVENTS = 3;
const WEBHOOKS = 4;

interface PriceTemplate {
  name: string;
  metric: number | null;
  model: PriceModel;
  minimum?: string;
  cadence?: 'one_time'; // default monthly
}

interface PlanTemplate {
  name: string;
  description: string;
  currency: string;
  minimum?: string;
  /** A percentage discount (fraction) on the prices at these indexes. */
  discount?: { percentage: string; prices: number[] };
  prices: PriceTemplate[];
}

const PLANS: readonly PlanTemplate[] = [
  {
    name: 'Starter',
    description: 'Pay per API call plus a platform fee',
    currency: 'USD',
    prices: [
      { name: 'API calls', metric: API_CALLS, model: { kind: 'unit', unitAmount: '0.002' } },
      { name: 'Webhook deliveries', metric: WEBHOOKS, model: { kind: 'package', packageAmount: '0.50', packageSize: 1000 } },
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
    description: 'Event ingestion at volume, 10 % off ingestion',
    currency: 'EUR',
    discount: { percentage: '0.1', prices: [0] },
    prices: [
      { name: 'Ingested events', metric: EVENTS, model: { kind: 'unit', unitAmount: '0.00000000123' } },
      { name: 'API calls', metric: API_CALLS, model: { kind: 'unit', unitAmount: '0.0015' } },
      { name: 'Scale platform fee', metric: null, model: { kind: 'fixed', amount: '500.00' } },
    ],
  },
];

const ADD_ONS: readonly (PriceTemplate & { currency: string })[] = [
  { name: 'Premium support', currency: 'USD', metric: null, model: { kind: 'fixed', amount: '200.00' } },
  { name: 'Extra storage', currency: 'USD', metric: STORAGE, model: { kind: 'unit', unitAmount: '0.008' } },
  { name: 'Event retention', currency: 'EUR', metric: EVENTS, model: { kind: 'unit', unitAmount: '0.0000000005' } },
];

/** Listed after the other add-ons when asked for (its id follows theirs), to test clients against a model_type Orb adds later. */
const UNKNOWN_MODEL_ADD_ON: PriceTemplate & { currency: string } = {
  name: 'Burst compute',
  currency: 'USD',
  metric: COMPUTE_HOURS,
  model: { kind: 'unknown', modelType: 'stepped_flux', config: { unit_amount: '0.0375', step_size: 500, flux_window: 'hour' } },
};

const ONE_OFF_CHARGES: readonly (PriceTemplate & { currency: string })[] = [
  { name: 'Onboarding fee', currency: 'USD', metric: null, model: { kind: 'fixed', amount: '150.00' }, cadence: 'one_time' },
  { name: 'Onboarding fee', currency: 'EUR', metric: null, model: { kind: 'fixed', amount: '140.00' }, cadence: 'one_time' },
];

export interface CatalogueOptions {
  unknownPriceModel: boolean;
}

export function buildCatalogue(seed: number, createdAt: Date, options: CatalogueOptions): Catalogue {
  const metrics: Metric[] = METRICS.map((m, key) => ({ ...m, key, id: makeId('bm', seed, 'metric', key) }));
  const price = (template: PriceTemplate, currency: string, ...idParts: (string | number)[]): PriceDef => ({
    id: makeId('price', seed, ...idParts),
    name: template.name,
    itemId: makeId('item', seed, ...idParts),
    currency,
    createdAt,
    cadence: template.cadence ?? 'monthly',
    metric: template.metric === null ? null : metrics[template.metric]!,
    model: template.model,
    minimum: template.minimum ?? null,
  });
  const plans = PLANS.map((plan, key): PlanDef => {
    const prices = plan.prices.map((template, p) => price(template, plan.currency, 'plan', key, 'price', p));
    return {
      key,
      id: makeId('plan', seed, 'plan', key),
      externalId: `plan-${plan.name.toLowerCase()}`,
      name: plan.name,
      description: plan.description,
      currency: plan.currency,
      minimum: plan.minimum ?? null,
      minimumAdjustmentId: plan.minimum ? makeId('adj', seed, 'plan', key) : null,
      discount: plan.discount
        ? {
            id: makeId('adj', seed, 'plan', key, 'discount'),
            percentage: plan.discount.percentage,
            priceIds: plan.discount.prices.map((p) => prices[p]!.id),
          }
        : null,
      productId: makeId('prod', seed, 'plan', key),
      createdAt,
      prices,
    };
  });
  const addOns = options.unknownPriceModel ? [...ADD_ONS, UNKNOWN_MODEL_ADD_ON] : ADD_ONS;
  const addOnPrices = addOns.map((template, a) => price(template, template.currency, 'add-on', a));
  const oneOffCharges = ONE_OFF_CHARGES.map((template, c) => price(template, template.currency, 'one-off', c));
  return { metrics, plans, addOnPrices, oneOffCharges };
}
