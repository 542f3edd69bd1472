/**
 * Seeded generation of the fake Orb account: customers, the catalogue and subscriptions as compact
 * records. Events, usage and costs are not stored; they are recomputed from these records on demand
 * (see events.ts, costs.ts), so tens of thousands of subscriptions stay cheap.
 *
 * Layout is assigned by index rather than drawn at random, so every seed has the cases tests need:
 * customer c lives in ZONES[c % 7]; subscription i belongs to customer i % (customers - 1), so the
 * last customer never subscribes (unless it is the only one) and, with 8 or more customers and 7 or
 * more subscriptions, every zone has a subscribed customer; i % 5 == 4 has ended; i % 10 == 7 is
 * upcoming (created, starting in the future); i % 5 == 2 on a USD plan upgrades from Starter to
 * Growth mid-period (possibly on a future date); i % 4 == 1 pays a one-off charge in its first
 * billing period, a price no plan, add-on list or price interval shows; Europe/Berlin customers pay
 * in EUR on "Scale", the others alternate between "Growth" and "Starter". Only dates and ids are
 * random. Subscriptions can later be ended earlier (see history.ts); nothing else changes.
 */
import { periodContaining } from './periods.js';
import { buildCatalogue, GROWTH, SCALE, STARTER, type Catalogue, type Metric, type PlanDef, type PriceDef } from './plans.js';
import { hash, intBetween, makeId } from './random.js';
import { addDays, localDate, startOfLocalDay } from './time-zone.js';

export const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Europe/Berlin',
  'Australia/Adelaide',
  'Asia/Kathmandu',
  'America/Santiago', // DST starts and ends at local midnight: some days start at 01:00
] as const;

const EUR_ZONE = 'Europe/Berlin';
const DAY_MS = 86_400_000;

export interface CustomerRecord {
  readonly index: number;
  readonly id: string;
  readonly externalId: string;
  readonly name: string;
  readonly email: string;
  readonly timezone: string;
  readonly currency: string;
  readonly createdAt: Date;
  readonly volumeFactor: number; // integer multiplier on usage, so customers differ in size
}

/** A stretch of a subscription on one plan; phases are contiguous and ordered. */
export interface Phase {
  readonly plan: PlanDef;
  readonly startDate: string; // local date, inclusive
  readonly endDate: string | null; // local date, exclusive
  readonly start: Date;
  readonly end: Date | null;
}

export interface SubscriptionRecord {
  readonly index: number;
  readonly id: string;
  readonly customer: CustomerRecord;
  readonly phases: readonly Phase[];
  readonly startDate: string; // local date in the customer's zone
  readonly endDate: string | null; // local date (exclusive), null while open-ended
  readonly start: Date; // local midnight of startDate
  readonly end: Date | null;
  readonly createdAt: Date; // equals start, except for subscriptions created ahead of their start
  readonly billingCycleDay: number;
  readonly oneOffCharge: PriceDef | null; // billed in full on the first day, outside the plan
}

export interface Account {
  readonly seed: number;
  readonly catalogue: Catalogue;
  readonly plans: readonly PlanDef[];
  /** Newest first by (created_at, id), the order GET /customers returns. */
  readonly customers: readonly CustomerRecord[];
  readonly customersById: ReadonlyMap<string, CustomerRecord>;
  readonly customersByExternalId: ReadonlyMap<string, CustomerRecord>;
  /** Newest first by (created_at, id), the order GET /subscriptions returns. Edited only by replaceSubscription. */
  readonly subscriptions: SubscriptionRecord[];
  readonly subscriptionsById: Map<string, SubscriptionRecord>;
  readonly subscriptionsByCustomer: ReadonlyMap<CustomerRecord, SubscriptionRecord[]>;
  /** Per customer and metric key, the [start, end) instants (ms) in which a plan of theirs bills it. */
  readonly meteredWindows: ReadonlyMap<CustomerRecord, ReadonlyMap<number, readonly (readonly [number, number])[]>>;
}

export interface AccountShape {
  seed: number;
  customers: number;
  subscriptions: number;
  days: number;
  now: Date;
  unknownPriceModel?: boolean; // add an add-on price of a model_type Orb does not have
}

const COMPANY_WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne'];
const COMPANY_SUFFIXES = ['Labs', 'Systems', 'Analytics', 'Cloud', 'Robotics', 'Media'];

function buildCustomer(seed: number, index: number, createdAt: Date): CustomerRecord {
  const timezone = ZONES[index % ZONES.length]!;
  const word = COMPANY_WORDS[hash(seed, 'customer', index, 'word') % COMPANY_WORDS.length]!;
  const suffix = COMPANY_SUFFIXES[hash(seed, 'customer', index, 'suffix') % COMPANY_SUFFIXES.length]!;
  const number = String(index + 1).padStart(4, '0');
  return {
    index,
    id: makeId('cus', seed, 'customer', index),
    externalId: `ext-cus-${number}`,
    name: `${word} ${suffix} ${number}`,
    email: `billing+${number}@${word.toLowerCase()}.example.com`,
    timezone,
    currency: timezone === EUR_ZONE ? 'EUR' : 'USD',
    createdAt,
    volumeFactor: intBetween(1, 3, seed, 'customer', index, 'volume'),
  };
}

/** How many customers subscribe: all but the last one, unless it is the only one. */
function subscriberCount(customerCount: number): number {
  return Math.max(customerCount - 1, 1);
}

function planFor(customer: CustomerRecord, index: number, subscribers: number): number {
  if (customer.currency === 'EUR') return SCALE;
  return (customer.index + Math.floor(index / subscribers)) % 2 === 0 ? GROWTH : STARTER;
}

/**
 * A Starter → Growth upgrade on a local date strictly inside a billing period, between the day after
 * the start and two weeks ahead (so some changes are still scheduled), or null if none fits.
 */
function upgradeDate(seed: number, index: number, startDate: string, endDate: string | null, today: string, cycleDay: number): string | null {
  const first = addDays(startDate, 1);
  const last = endDate === null ? addDays(today, 14) : addDays(endDate, -1);
  const span = Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS);
  if (span < 0) return null;
  const date = addDays(first, intBetween(0, span, seed, 'subscription', index, 'upgrade'));
  return periodContaining(date, cycleDay).start === date ? (date < last ? addDays(date, 1) : null) : date;
}

function phasesOf(plans: readonly PlanDef[], planKey: number, tz: string, dates: (string | null)[]): Phase[] {
  const keys = dates.length === 3 ? [STARTER, GROWTH] : [planKey];
  return keys.map((key, i) => {
    const startDate = dates[i]!;
    const endDate = dates[i + 1] ?? null;
    return {
      plan: plans[key]!,
      startDate,
      endDate,
      start: startOfLocalDay(startDate, tz),
      end: endDate === null ? null : startOfLocalDay(endDate, tz),
    };
  });
}

function buildSubscription(shape: AccountShape, index: number, customers: readonly CustomerRecord[], catalogue: Catalogue): SubscriptionRecord {
  const { seed, days, now } = shape;
  const { plans } = catalogue;
  const subscribers = subscriberCount(customers.length);
  const customer = customers[index % subscribers]!;
  const tz = customer.timezone;
  const today = localDate(now, tz);
  // Ended subscriptions need a start at least two days back so the end can fall strictly between.
  const ended = index % 5 === 4 && days >= 3;
  const upcoming = index % 10 === 7;
  const startDate = upcoming
    ? addDays(today, intBetween(1, 20, seed, 'subscription', index, 'ahead'))
    : addDays(today, -intBetween(ended ? 2 : 0, Math.max(days - 1, 0), seed, 'subscription', index, 'start'));
  const back = Math.round((Date.parse(today) - Date.parse(startDate)) / DAY_MS);
  const endDate = ended ? addDays(startDate, intBetween(1, back - 1, seed, 'subscription', index, 'end')) : null;
  const start = startOfLocalDay(startDate, tz);
  const billingCycleDay = Number(startDate.slice(8, 10));
  const planKey = planFor(customer, index, subscribers);
  const upgrade = index % 5 === 2 && planKey !== SCALE ? upgradeDate(seed, index, startDate, endDate, today, billingCycleDay) : null;
  // An upcoming subscription was created some days before it starts (and before now).
  const createdAt = upcoming ? new Date(now.getTime() - intBetween(1, 72, seed, 'subscription', index, 'created') * 3_600_000) : start;
  return {
    index,
    id: makeId('sub', seed, 'subscription', index),
    customer,
    phases: phasesOf(plans, planKey, tz, upgrade === null ? [startDate, endDate] : [startDate, upgrade, endDate]),
    startDate,
    endDate,
    start,
    end: endDate === null ? null : startOfLocalDay(endDate, tz),
    createdAt,
    billingCycleDay,
    oneOffCharge: index % 4 === 1 ? catalogue.oneOffCharges.find((c) => c.currency === customer.currency)! : null,
  };
}

/**
 * The subscription ended at local midnight `endDate` (earlier than any end it had): phases that
 * would start then or later are gone, the last one left ends there.
 */
export function endedOn(subscription: SubscriptionRecord, endDate: string): SubscriptionRecord {
  const end = startOfLocalDay(endDate, subscription.customer.timezone);
  const kept = subscription.phases.filter((p) => p.startDate < endDate);
  const phases = kept.map((p, i) => (i === kept.length - 1 ? { ...p, endDate, end } : p));
  return { ...subscription, phases, endDate, end };
}

/** Puts an edited record (same id) in the place of the subscription's current one, in the list and every index. */
export function replaceSubscription(account: Account, next: SubscriptionRecord): void {
  const current = account.subscriptionsById.get(next.id)!;
  const replace = (list: SubscriptionRecord[]) => list.splice(list.indexOf(current), 1, next);
  replace(account.subscriptions);
  replace(account.subscriptionsByCustomer.get(current.customer)!);
  account.subscriptionsById.set(next.id, next);
}

/** The plan in force at `instant` (the first phase before the start, the last one after the end). */
export function phaseAt(subscription: SubscriptionRecord, instant: Date): Phase {
  const { phases } = subscription;
  return phases.find((p) => p.end === null || instant.getTime() < p.end.getTime()) ?? phases[phases.length - 1]!;
}

export function planAt(subscription: SubscriptionRecord, instant: Date): PlanDef {
  return phaseAt(subscription, instant).plan;
}

/** Newest first; ties broken by id (descending) so the order is total and stable. */
export function compareNewestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function meteredWindowsOf(subscriptions: readonly SubscriptionRecord[]): Map<number, [number, number][]> {
  const windows = new Map<number, [number, number][]>();
  for (const subscription of subscriptions) {
    for (const phase of subscription.phases) {
      for (const price of phase.plan.prices) {
        if (!price.metric) continue;
        const list = windows.get(price.metric.key) ?? [];
        list.push([phase.start.getTime(), phase.end?.getTime() ?? Infinity]);
        windows.set(price.metric.key, list);
      }
    }
  }
  return windows;
}

export function generateAccount(shape: AccountShape): Account {
  // Catalogue and customers predate all history so every subscription can reference them.
  const origin = new Date(Math.floor((shape.now.getTime() - (shape.days + 30) * DAY_MS) / DAY_MS) * DAY_MS);
  const catalogue = buildCatalogue(shape.seed, origin, { unknownPriceModel: shape.unknownPriceModel ?? false });
  const customers = Array.from({ length: shape.customers }, (_, i) =>
    buildCustomer(shape.seed, i, new Date(origin.getTime() + i * 60_000)),
  );
  const subscriptions = Array.from({ length: shape.subscriptions }, (_, i) =>
    buildSubscription(shape, i, customers, catalogue),
  ).sort(compareNewestFirst);
  const subscriptionsByCustomer = new Map<CustomerRecord, SubscriptionRecord[]>(customers.map((c) => [c, []]));
  for (const subscription of subscriptions) subscriptionsByCustomer.get(subscription.customer)!.push(subscription);
  return {
    seed: shape.seed,
    catalogue,
    plans: catalogue.plans,
    customers: [...customers].sort(compareNewestFirst),
    customersById: new Map(customers.map((c) => [c.id, c])),
    customersByExternalId: new Map(customers.map((c) => [c.externalId, c])),
    subscriptions,
    subscriptionsById: new Map(subscriptions.map((s) => [s.id, s])),
    subscriptionsByCustomer,
    meteredWindows: new Map(customers.map((c) => [c, meteredWindowsOf(subscriptionsByCustomer.get(c)!)])),
  };
}

/** Whether the customer's plans bill `metric` at `instant` (ms): only then do they send its events. */
export function isMetered(account: Account, customer: CustomerRecord, metric: Metric, instant: number): boolean {
  const windows = account.meteredWindows.get(customer)?.get(metric.key);
  return windows !== undefined && windows.some(([from, to]) => instant >= from && instant < to);
}

/** A customer or subscription exists (is listed and fetchable) once its created_at has passed. */
export function exists(record: CustomerRecord | SubscriptionRecord, now: Date): boolean {
  return record.createdAt.getTime() <= now.getTime();
}

export function statusAt(subscription: SubscriptionRecord, now: Date): 'active' | 'ended' | 'upcoming' {
  if (subscription.start.getTime() > now.getTime()) return 'upcoming';
  if (subscription.end !== null && subscription.end.getTime() <= now.getTime()) return 'ended';
  return 'active';
}
