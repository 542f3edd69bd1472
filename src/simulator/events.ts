/**
 * The account's generated usage events. They are never stored: the events a customer sends for a
 * metric in a UTC hour are a pure function of (seed, customer, metric, hour), so any range can be
 * recomputed exactly by costs, usage, event volume and event search alike.
 *
 * A customer sends a metric's events only in hours when one of their plans bills that metric. Each
 * such hour holds 0 (idle) to 3 events whose `properties[metric.property]` sum to the hour's
 * quantity, spread over the hour, each tagged with a `region` (the property `group_by` can use).
 * A few events arrive late: they are ingested up to 11 h 59 min after their timestamp, inside
 * Orb's 12-hour grace period, so a past day's usage can still grow.
 */
import { isMetered, type Account, type CustomerRecord } from './account.js';
import type { Metric } from './plans.js';
import { hash, intBetween, unit } from './random.js';

export const HOUR_MS = 3_600_000;
export const GRACE_PERIOD_MS = 12 * HOUR_MS;
export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'] as const;
const LATE_SHARE = 0.08;
const MAX_EVENTS_PER_HOUR = 3;

export type PropertyValue = string | number | boolean;

export interface UsageEvent {
  readonly id: string; // the idempotency key
  readonly customer: CustomerRecord | null; // null: sent for an external id no customer has
  readonly externalCustomerId: string | null;
  readonly eventName: string;
  readonly timestamp: number; // ms
  readonly ingestedAt: number; // ms; the event is invisible before this
  readonly properties: Readonly<Record<string, PropertyValue>>;
}

/** The integer quantity of `metric` a customer reports in the hour starting at `hourStart` (ms). */
export function hourlyQuantity(account: Account, customer: CustomerRecord, metric: Metric, hourStart: number): number {
  const { seed } = account;
  const hour = hourStart / HOUR_MS;
  if (!isMetered(account, customer, metric, hourStart)) return 0;
  if (unit(seed, 'idle', customer.index, metric.key, hour) < metric.idleShare) return 0;
  const base = intBetween(metric.minPerHour, metric.maxPerHour, seed, 'usage', customer.index, metric.key, hour);
  return base * customer.volumeFactor;
}

function eventCount(seed: number, customer: CustomerRecord, metric: Metric, hour: number, quantity: number): number {
  return Math.min(quantity, intBetween(1, MAX_EVENTS_PER_HOUR, seed, 'events', customer.index, metric.key, hour));
}

/** How many events of the hour exist (visible or not); cheaper than generating them. */
export function hourlyEventCount(account: Account, customer: CustomerRecord, metric: Metric, hourStart: number): number {
  const quantity = hourlyQuantity(account, customer, metric, hourStart);
  return quantity === 0 ? 0 : eventCount(account.seed, customer, metric, hourStart / HOUR_MS, quantity);
}

/** Ids encode where an event comes from, so event search can regenerate it from the id alone. */
function eventId(customer: CustomerRecord, metric: Metric, hour: number, k: number): string {
  return `evt_${customer.index.toString(36)}_${metric.key}_${hour.toString(36)}_${k}`;
}

/** The hour's events, in timestamp order. */
export function hourlyEvents(account: Account, customer: CustomerRecord, metric: Metric, hourStart: number): UsageEvent[] {
  const { seed } = account;
  const quantity = hourlyQuantity(account, customer, metric, hourStart);
  if (quantity === 0) return [];
  const hour = hourStart / HOUR_MS;
  const n = eventCount(seed, customer, metric, hour, quantity);
  const slot = HOUR_MS / n;
  return Array.from({ length: n }, (_, k) => {
    const timestamp = hourStart + k * slot + Math.floor(unit(seed, 'offset', customer.index, metric.key, hour, k) * slot / 1000) * 1000;
    const late = unit(seed, 'late', customer.index, metric.key, hour, k) < LATE_SHARE;
    const delay = late ? intBetween(HOUR_MS / 60_000, GRACE_PERIOD_MS / 60_000 - 1, seed, 'delay', customer.index, metric.key, hour, k) * 60_000 : 0;
    return {
      id: eventId(customer, metric, hour, k),
      customer,
      externalCustomerId: customer.externalId,
      eventName: metric.eventName,
      timestamp,
      ingestedAt: timestamp + delay,
      properties: {
        // An even split of the hour's quantity into integer parts.
        [metric.property]: Math.floor((quantity * (k + 1)) / n) - Math.floor((quantity * k) / n),
        region: REGIONS[hash(seed, 'region', customer.index, metric.key, hour, k) % REGIONS.length]!,
      },
    };
  });
}

/** The generated event with this id, if the id is one the generator produces (visible or not). */
export function generatedEvent(account: Account, id: string): UsageEvent | null {
  const match = /^evt_([0-9a-z]+)_(\d+)_([0-9a-z]+)_(\d)$/.exec(id);
  if (!match) return null;
  const customerIndex = parseInt(match[1]!, 36);
  const customer = account.customers.find((c) => c.index === customerIndex);
  const metric = account.catalogue.metrics[Number(match[2])];
  if (!customer || !metric) return null;
  const events = hourlyEvents(account, customer, metric, parseInt(match[3]!, 36) * HOUR_MS);
  return events.find((e) => e.id === id) ?? null;
}

/** Every generated event of one customer's hour is certainly visible once the grace period is over. */
export function fullyIngested(hourStart: number, now: number): boolean {
  return hourStart + HOUR_MS + GRACE_PERIOD_MS <= now;
}
