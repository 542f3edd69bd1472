/**
 * A subscription's usage per billable metric in windows of the customer's local days, as Orb's
 * usage endpoint reports it with granularity=day: windows are demarcated by local midnight and
 * clipped to the requested [from, to) and to the subscription's active range. Without a
 * granularity the whole clipped timeframe is one window.
 */
import { add, type Decimal } from '../util/decimal.js';
import type { SubscriptionRecord } from './account.js';
import { periodContaining } from './periods.js';
import type { Metric } from './plans.js';
import type { SimulatorState } from './state.js';
import { addDays, localDate, startOfLocalDay } from './time-zone.js';
import { groupedQuantity, metricQuantity } from './usage.js';

/** Every metric some plan of the subscription bills, in catalogue order. */
export function subscriptionMetrics(subscription: SubscriptionRecord): Metric[] {
  const metrics = new Map<number, Metric>();
  for (const phase of subscription.phases) for (const price of phase.plan.prices) if (price.metric) metrics.set(price.metric.key, price.metric);
  return [...metrics.values()].sort((a, b) => a.key - b.key);
}

export interface UsageWindow {
  readonly day: string; // the local date the window falls in (starts in, for a whole-timeframe window)
  readonly start: Date;
  readonly end: Date;
}

/** [from, to) ∩ [subscription start, end) as instants (ms); empty when first >= last. */
function activeRange(subscription: SubscriptionRecord, from: Date, to: Date): { first: number; last: number } {
  return {
    first: Math.max(from.getTime(), subscription.start.getTime()),
    last: Math.min(to.getTime(), subscription.end?.getTime() ?? Infinity),
  };
}

/** The day windows of [from, to) ∩ [subscription start, end), each within one local day. */
export function* dayWindows(subscription: SubscriptionRecord, from: Date, to: Date): Generator<UsageWindow> {
  const tz = subscription.customer.timezone;
  const { first, last } = activeRange(subscription, from, to);
  for (let day = localDate(new Date(first), tz); ; day = addDays(day, 1)) {
    const start = Math.max(startOfLocalDay(day, tz).getTime(), first);
    if (start >= last) return;
    const end = Math.min(startOfLocalDay(addDays(day, 1), tz).getTime(), last);
    yield { day, start: new Date(start), end: new Date(end) };
  }
}

/** [from, to) ∩ [subscription start, end) as a single window, if not empty. */
export function* wholeWindow(subscription: SubscriptionRecord, from: Date, to: Date): Generator<UsageWindow> {
  const { first, last } = activeRange(subscription, from, to);
  if (first < last) yield { day: localDate(new Date(first), subscription.customer.timezone), start: new Date(first), end: new Date(last) };
}

export const VIEW_MODES = ['periodic', 'cumulative'] as const;
export type ViewMode = (typeof VIEW_MODES)[number];

/** Quantities over [from, to) (ms) per series: a metric id, or one value of a group_by property. */
export type Measure = (from: number, to: number) => Map<string, Decimal>;

/** The subscription's usage of each of `metrics`, by metric id, visible at `now` (ms). */
export function metricsMeasure(state: SimulatorState, subscription: SubscriptionRecord, metrics: readonly Metric[], now: number): Measure {
  return (from, to) => new Map(metrics.map((m) => [m.id, metricQuantity(state, subscription.customer, m, from, to, now)]));
}

/** The subscription's usage of `metric` by value of the event property `property` (events without it left out). */
export function groupMeasure(state: SimulatorState, subscription: SubscriptionRecord, metric: Metric, property: string, now: number): Measure {
  return (from, to) => groupedQuantity(state, subscription.customer, metric, property, from, to, now);
}

export interface WindowQuantities {
  readonly window: UsageWindow;
  readonly quantities: ReadonlyMap<string, Decimal>; // a series absent here has no usage
}

function plus(a: ReadonlyMap<string, Decimal>, b: ReadonlyMap<string, Decimal>): Map<string, Decimal> {
  const total = new Map(a);
  for (const [key, value] of b) total.set(key, total.has(key) ? add(total.get(key)!, value) : value);
  return total;
}

/** Local midnight starting the billing period that contains the window's start. */
function billingPeriodStart(subscription: SubscriptionRecord, window: UsageWindow): number {
  const { start } = periodContaining(window.day, subscription.billingCycleDay);
  return startOfLocalDay(start, subscription.customer.timezone).getTime();
}

/**
 * Each window's quantities. Cumulative ones are running totals since the start of the billing
 * period containing the window, counted from the period start even when the timeframe begins
 * later, so Σ periodic over a period equals the cumulative value of its last window.
 */
export function* windowQuantities(
  subscription: SubscriptionRecord,
  windows: Iterable<UsageWindow>,
  mode: ViewMode,
  measure: Measure,
): Generator<WindowQuantities> {
  let period: number | null = null;
  let running = new Map<string, Decimal>();
  for (const window of windows) {
    const periodic = measure(window.start.getTime(), window.end.getTime());
    if (mode === 'periodic') {
      yield { window, quantities: periodic };
      continue;
    }
    const periodStart = billingPeriodStart(subscription, window);
    if (periodStart !== period) {
      period = periodStart;
      running = periodStart < window.start.getTime() ? measure(periodStart, window.start.getTime()) : new Map();
    }
    running = plus(running, periodic);
    yield { window, quantities: running };
  }
}
