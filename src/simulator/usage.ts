/**
 * Simulated usage. Events are never stored: the quantity a subscription reports for a metric in a
 * UTC hour is a pure function of (seed, subscription, metric, hour), so any range can be recomputed
 * exactly and identically by the costs endpoint, the ground truth and (later) event endpoints.
 */
import type { SubscriptionRecord } from './account.js';
import type { Metric } from './plans.js';
import { intBetween, unit } from './random.js';

export const HOUR_MS = 3_600_000;

/** The single source of usage: the integer quantity of `metric` ingested in the hour starting at `hourStart`. */
export function hourlyUsage(seed: number, subscription: SubscriptionRecord, metric: Metric, hourStart: number): number {
  const hour = hourStart / HOUR_MS;
  if (unit(seed, 'idle', subscription.index, metric.key, hour) < metric.idleShare) return 0;
  const base = intBetween(metric.minPerHour, metric.maxPerHour, seed, 'usage', subscription.index, metric.key, hour);
  return base * subscription.customer.volumeFactor;
}

/**
 * Total usage of the hours that start in [from, to) and have started before `now`. An hour belongs
 * to the local day containing its start, which matters in zones offset by :30 or :45.
 */
export function usageBetween(
  seed: number,
  subscription: SubscriptionRecord,
  metric: Metric,
  from: Date,
  to: Date,
  now: Date,
): number {
  const end = Math.min(to.getTime(), now.getTime());
  let total = 0;
  for (let hour = Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
    total += hourlyUsage(seed, subscription, metric, hour);
  }
  return total;
}
