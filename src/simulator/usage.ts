/**
 * Queries over the account's effective events: the generated ones (events.ts) minus those a
 * reflected backfill deprecated, plus live and backfilled ones (ledger.ts), counting only events
 * already ingested at `now`. Costs, usage, event volume, event search and the ground truth all read
 * through here, so they agree by construction.
 */
import { add, decimalFromNumber, ZERO, type Decimal } from '../util/decimal.js';
import type { CustomerRecord } from './account.js';
import { fullyIngested, generatedEvent, HOUR_MS, hourlyEventCount, hourlyEvents, hourlyQuantity, type UsageEvent } from './events.js';
import { isDeprecated } from './ledger.js';
import type { Metric } from './plans.js';
import type { SimulatorState } from './state.js';

type Replacements = ReturnType<SimulatorState['ledger']['replacements']>;

function overlapsReplacement(replacements: Replacements, from: number, to: number): boolean {
  return replacements.some((r) => r.from < to && from < r.to);
}

/** The numeric value an event contributes to a metric (Orb sums numeric properties only). */
function contribution(event: UsageEvent, metric: Metric): Decimal | null {
  if (event.eventName !== metric.eventName) return null;
  const value = event.properties[metric.property];
  return typeof value === 'number' && Number.isFinite(value) ? decimalFromNumber(value) : null;
}

/** One hour's generated events in [from, to) that are visible at `now` and not deprecated. */
function* generatedInHour(
  state: SimulatorState,
  customer: CustomerRecord,
  metric: Metric,
  hour: number,
  window: Window,
  replacements: Replacements,
): Generator<UsageEvent> {
  for (const event of hourlyEvents(state.account, customer, metric, hour)) {
    if (event.timestamp < window.from || event.timestamp >= window.to || event.ingestedAt > window.now) continue;
    if (!isDeprecated(replacements, event.timestamp, 0)) yield event;
  }
}

/** Live and backfilled events of the customer in [from, to) that count for one of `metrics`. */
function* extraEffective(state: SimulatorState, customer: CustomerRecord, metrics: readonly Metric[], window: Window, replacements: Replacements): Generator<UsageEvent> {
  const names = new Set(metrics.map((m) => m.eventName));
  for (const { event, version } of state.ledger.extraEvents(customer, window.from, window.to)) {
    if (names.has(event.eventName) && event.ingestedAt <= window.now && !isDeprecated(replacements, event.timestamp, version)) yield event;
  }
}

interface Window {
  readonly from: number;
  readonly to: number;
  readonly now: number;
}

function* hoursOf(window: Window): Generator<number> {
  const end = Math.min(window.to, window.now + 1);
  for (let hour = Math.floor(window.from / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) yield hour;
}

/** The customer's effective events for `metrics` with a timestamp in [from, to), visible at `now`. */
export function* effectiveEvents(
  state: SimulatorState,
  customer: CustomerRecord,
  metrics: readonly Metric[],
  from: number,
  to: number,
  now: number,
): Generator<UsageEvent> {
  const window = { from, to, now };
  const replacements = state.ledger.replacements(customer);
  for (const hour of hoursOf(window)) {
    for (const metric of metrics) yield* generatedInHour(state, customer, metric, hour, window, replacements);
  }
  yield* extraEffective(state, customer, metrics, window, replacements);
}

/** Σ of the metric's property over the customer's effective events in [from, to) at `now`. */
export function metricQuantity(state: SimulatorState, customer: CustomerRecord, metric: Metric, from: number, to: number, now: number): Decimal {
  const window = { from, to, now };
  const replacements = state.ledger.replacements(customer);
  // Whole, settled hours are summed without generating their events (the common, fast path).
  let settled = 0;
  let total = ZERO;
  const addEvent = (event: UsageEvent) => {
    const value = contribution(event, metric);
    if (value) total = add(total, value);
  };
  for (const hour of hoursOf(window)) {
    const whole = hour >= from && hour + HOUR_MS <= to && fullyIngested(hour, now) && !overlapsReplacement(replacements, hour, hour + HOUR_MS);
    if (whole) settled += hourlyQuantity(state.account, customer, metric, hour);
    else for (const event of generatedInHour(state, customer, metric, hour, window, replacements)) addEvent(event);
  }
  for (const event of extraEffective(state, customer, [metric], window, replacements)) addEvent(event);
  return add(total, decimalFromNumber(settled));
}

/** Like metricQuantity, split by the value of one event property (events without it are left out). */
export function groupedQuantity(
  state: SimulatorState,
  customer: CustomerRecord,
  metric: Metric,
  property: string,
  from: number,
  to: number,
  now: number,
): Map<string, Decimal> {
  const groups = new Map<string, Decimal>();
  for (const event of effectiveEvents(state, customer, [metric], from, to, now)) {
    const key = event.properties[property];
    const value = contribution(event, metric);
    if (key === undefined || value === null) continue;
    groups.set(String(key), add(groups.get(String(key)) ?? ZERO, value));
  }
  return groups;
}

/** The account's event count in the UTC hour starting at `hour`, by event timestamp, at `now`. */
export function hourlyVolume(state: SimulatorState, hour: number, now: number): number {
  const { account, ledger } = state;
  let count = 0;
  for (const customer of account.customers) {
    const replacements = ledger.replacements(customer);
    const settled = fullyIngested(hour, now) && !overlapsReplacement(replacements, hour, hour + HOUR_MS);
    for (const metric of account.catalogue.metrics) {
      if (settled) count += hourlyEventCount(account, customer, metric, hour);
      else {
        for (const event of hourlyEvents(account, customer, metric, hour)) {
          if (event.ingestedAt <= now && !isDeprecated(replacements, event.timestamp, 0)) count += 1;
        }
      }
    }
  }
  for (const { event, version } of ledger.allExtraEvents(hour, hour + HOUR_MS)) {
    if (event.ingestedAt <= now && !isDeprecated(ledger.replacements(event.customer), event.timestamp, version)) count += 1;
  }
  return count;
}

export interface FoundEvent {
  readonly event: UsageEvent;
  readonly deprecated: boolean;
}

/** Events with these ids and a timestamp in [from, to), visible at `now`, deprecated ones flagged. */
export function findEvents(state: SimulatorState, ids: readonly string[], from: number, to: number, now: number): FoundEvent[] {
  const { account, ledger } = state;
  const wanted = new Set(ids);
  const found: FoundEvent[] = [];
  const inWindow = (e: UsageEvent) => e.timestamp >= from && e.timestamp < to && e.ingestedAt <= now;
  for (const id of wanted) {
    const event = generatedEvent(account, id);
    if (event && inWindow(event)) found.push({ event, deprecated: isDeprecated(ledger.replacements(event.customer), event.timestamp, 0) });
  }
  for (const { event, version } of ledger.allExtraEvents(from, to)) {
    if (wanted.has(event.id) && inWindow(event)) {
      found.push({ event, deprecated: isDeprecated(ledger.replacements(event.customer), event.timestamp, version) });
    }
  }
  return found;
}
