/**
 * Seeded generation of the fake Orb account: customers, plans and subscriptions as compact records.
 * Costs and usage are not stored; they are recomputed from these records on demand (see costs.ts),
 * so tens of thousands of subscriptions stay cheap.
 *
 * Layout is assigned by index rather than drawn at random, so every seed has the cases tests need:
 * customer c lives in ZONES[c % 6]; subscription i belongs to customer i % customers; every fifth
 * subscription (i % 5 == 4) has ended; Europe/Berlin customers pay in EUR on "Scale", the others
 * alternate between "Growth" and "Starter". Only dates and ids are random.
 */
import { addDays, localDate, startOfLocalDay } from '../util/time-zone.js';
import { buildPlans, GROWTH, SCALE, STARTER, type PlanDef } from './plans.js';
import { hash, intBetween, makeId } from './random.js';

export const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Europe/Berlin',
  'Australia/Adelaide',
  'Asia/Kathmandu',
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

export interface SubscriptionRecord {
  readonly index: number;
  readonly id: string;
  readonly customer: CustomerRecord;
  readonly plan: PlanDef;
  readonly startDate: string; // local date in the customer's zone
  readonly endDate: string | null; // local date (exclusive), null while open-ended
  readonly start: Date; // local midnight of startDate; also created_at
  readonly end: Date | null;
  readonly billingCycleDay: number;
}

export interface Account {
  readonly seed: number;
  readonly plans: readonly PlanDef[];
  readonly customers: readonly CustomerRecord[];
  /** Newest first by (created_at, id), the order GET /subscriptions returns. */
  readonly subscriptions: readonly SubscriptionRecord[];
  readonly subscriptionsById: ReadonlyMap<string, SubscriptionRecord>;
}

export interface AccountShape {
  seed: number;
  customers: number;
  subscriptions: number;
  days: number;
  now: Date;
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

function planFor(customer: CustomerRecord, index: number, customerCount: number): number {
  if (customer.currency === 'EUR') return SCALE;
  return (customer.index + Math.floor(index / customerCount)) % 2 === 0 ? GROWTH : STARTER;
}

function buildSubscription(shape: AccountShape, index: number, customers: readonly CustomerRecord[], plans: readonly PlanDef[]): SubscriptionRecord {
  const { seed, days, now } = shape;
  const customer = customers[index % customers.length]!;
  const tz = customer.timezone;
  const today = localDate(now, tz);
  // Ended subscriptions need a start at least two days back so the end can fall strictly between.
  const ended = index % 5 === 4 && days >= 3;
  const back = intBetween(ended ? 2 : 0, Math.max(days - 1, 0), seed, 'subscription', index, 'start');
  const startDate = addDays(today, -back);
  const endDate = ended ? addDays(startDate, intBetween(1, back - 1, seed, 'subscription', index, 'end')) : null;
  const start = startOfLocalDay(startDate, tz);
  return {
    index,
    id: makeId('sub', seed, 'subscription', index),
    customer,
    plan: plans[planFor(customer, index, customers.length)]!,
    startDate,
    endDate,
    start,
    end: endDate === null ? null : startOfLocalDay(endDate, tz),
    billingCycleDay: Number(startDate.slice(8, 10)),
  };
}

/** Newest first; ties broken by id (descending) so the order is total and stable. */
function compareNewestFirst(a: SubscriptionRecord, b: SubscriptionRecord): number {
  const byTime = b.start.getTime() - a.start.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function generateAccount(shape: AccountShape): Account {
  // Catalogue and customers predate all history so every subscription can reference them.
  const origin = new Date(Math.floor((shape.now.getTime() - (shape.days + 30) * DAY_MS) / DAY_MS) * DAY_MS);
  const plans = buildPlans(shape.seed, origin);
  const customers = Array.from({ length: shape.customers }, (_, i) => buildCustomer(shape.seed, i, origin));
  const subscriptions = Array.from({ length: shape.subscriptions }, (_, i) =>
    buildSubscription(shape, i, customers, plans),
  ).sort(compareNewestFirst);
  return {
    seed: shape.seed,
    plans,
    customers,
    subscriptions,
    subscriptionsById: new Map(subscriptions.map((s) => [s.id, s])),
  };
}

/** A subscription exists (is listed and fetchable) once its created_at has passed. */
export function exists(subscription: SubscriptionRecord, now: Date): boolean {
  return subscription.start.getTime() <= now.getTime();
}

export function statusAt(subscription: SubscriptionRecord, now: Date): 'active' | 'ended' | 'upcoming' {
  if (subscription.start.getTime() > now.getTime()) return 'upcoming';
  if (subscription.end !== null && subscription.end.getTime() <= now.getTime()) return 'ended';
  return 'active';
}
