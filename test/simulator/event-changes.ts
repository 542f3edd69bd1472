/**
 * Changes of the account's events (ingested live or through backfills) and what they must do to
 * the ground truth: the expected effect is derived from the events sent and the generated events
 * they replace, independently of the ledger.
 */
import type Orb from 'orb-billing';
import { expect } from 'vitest';
import { generateAccount, phaseAt, type CustomerRecord } from '../../src/simulator/account.js';
import { HOUR_MS, hourlyEvents } from '../../src/simulator/events.js';
import { add, decimalFromNumber, formatDecimal, parseDecimal, ZERO, type Decimal } from '../../src/util/decimal.js';
import { addDays, dayEndingAt, startOfLocalDay } from '../../src/util/time-zone.js';
import { NOW, periodicCostRows, truthSnapshot, type Running, type TruthSnapshot } from './helpers.js';

export const DAY_MS = 86_400_000;
export const SHAPE = { seed: 1, customers: 12, subscriptions: 30, days: 120 };
/** The account `start(SHAPE)` serves, to pick customers and count the generated events a backfill replaces. */
export const account = generateAccount({ ...SHAPE, now: new Date(NOW) });
export const NOW_MS = Date.parse(NOW);
const HISTORY_START = new Date(NOW_MS - (SHAPE.days + 1) * DAY_MS);
/** Instants as the simulator renders them. */
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export type IngestEvent = Orb.Events.EventIngestParams.Event;

/** A change of the events: a backfill, or live ingestion (an addition to every customer over the grace window). */
export interface Change {
  readonly from: number;
  readonly to: number;
  readonly scope: CustomerRecord | null; // null: every customer
  readonly replace: boolean;
  readonly events: readonly IngestEvent[];
}

export const snapshot = (r: Running) => truthSnapshot(r.sim, HISTORY_START);

function customerOf(event: IngestEvent): CustomerRecord | undefined {
  return event.customer_id ? account.customersById.get(event.customer_id) : account.customersByExternalId.get(event.external_customer_id ?? '');
}

function replaces(change: Change, customer: CustomerRecord): boolean {
  return change.replace && (change.scope === null || change.scope === customer);
}

function affects(change: Change, customer: CustomerRecord): boolean {
  return replaces(change, customer) || change.events.some((e) => customerOf(e) === customer);
}

export const overlaps = (change: Change, from: number, to: number) => from < change.to && change.from < to;

/** [start, end) in ms of a local day. */
export function localDay(day: string, timezone: string): [number, number] {
  return [startOfLocalDay(day, timezone).getTime(), startOfLocalDay(addDays(day, 1), timezone).getTime()];
}

/** Σ of the metric's property over the change's events of this customer with a timestamp in [from, to). */
function sentQuantity(change: Change, customer: CustomerRecord, metricId: string, from: number, to: number): Decimal {
  const metric = account.catalogue.metrics.find((m) => m.id === metricId)!;
  let total = ZERO;
  for (const event of change.events) {
    const at = Date.parse(event.timestamp);
    const value = event.properties[metric.property];
    if (customerOf(event) === customer && event.event_name === metric.eventName && typeof value === 'number' && at >= from && at < to) {
      total = add(total, decimalFromNumber(value));
    }
  }
  return total;
}

/** How many generated events of the hour the change deprecates (all were ingested long before now). */
function deprecatedIn(change: Change, hour: number): number {
  if (!change.replace) return 0;
  const from = Math.max(hour, change.from);
  const to = Math.min(hour + HOUR_MS, change.to);
  if (from >= to) return 0;
  const customers = change.scope ? [change.scope] : account.customers;
  let count = 0;
  for (const customer of customers) {
    for (const metric of account.catalogue.metrics) {
      count += hourlyEvents(account, customer, metric, hour).filter((e) => e.timestamp >= from && e.timestamp < to).length;
    }
  }
  return count;
}

/** Per subscription of the affected customers: local day → start of its billing period, from the cumulative costs view. */
async function periodStarts(r: Running, change: Change): Promise<Map<string, Map<string, string>>> {
  const result = new Map<string, Map<string, string>>();
  for (const s of r.sim.truth.subscriptions()) {
    if (!affects(change, account.subscriptionsById.get(s.id)!.customer)) continue;
    const { body } = await r.get(`/v1/subscriptions/${s.id}/costs?timeframe_start=${s.start_date}`);
    // A cumulative window runs from its period's start to the end of its day.
    result.set(s.id, new Map(body.data.map((w: any) => [dayEndingAt(new Date(w.timeframe_end), s.timezone), w.timeframe_start])));
  }
  return result;
}

/**
 * Everything the change must and must not have changed between `before` and `after`: volume,
 * usage and costs of every customer, day and hour; and the costs endpoint agrees with the truth.
 */
export async function expectExactlyItsScopeChanged(r: Running, before: TruthSnapshot, after: TruthSnapshot, change: Change): Promise<void> {
  // Volume: each hour changes by its ingested events minus the generated ones deprecated.
  expect(after.volume.map((v) => v.timeframe_start)).toEqual(before.volume.map((v) => v.timeframe_start));
  const expectedDeltas = before.volume.map(({ timeframe_start }) => {
    const hour = Date.parse(timeframe_start);
    const sent = change.events.filter((e) => Date.parse(e.timestamp) >= hour && Date.parse(e.timestamp) < hour + HOUR_MS).length;
    return sent - deprecatedIn(change, hour);
  });
  expect(after.volume.map((v, i) => v.count - before.volume[i]!.count)).toEqual(expectedDeltas);
  expect(expectedDeltas.some((d) => d !== 0)).toBe(true);
  if (change.replace) expect(before.volume.some(({ timeframe_start }) => deprecatedIn(change, Date.parse(timeframe_start)) > 0)).toBe(true);

  // Usage: replaced days hold exactly the change's events; elsewhere they add to the old usage.
  expect(after.usage.length).toBe(before.usage.length);
  let changedUsage = 0;
  after.usage.forEach((row, i) => {
    const old = before.usage[i]!;
    expect({ ...row, quantity: '' }).toEqual({ ...old, quantity: '' });
    const { customer } = account.subscriptionsById.get(row.subscription_id)!;
    const [from, to] = localDay(row.day, customer.timezone);
    if (!affects(change, customer) || !overlaps(change, from, to)) {
      expect(row).toEqual(old);
      return;
    }
    const sent = sentQuantity(change, customer, row.billable_metric_id, from, to);
    if (replaces(change, customer)) {
      expect(from >= change.from && to <= change.to).toBe(true); // windows are whole local days of the replaced customer
      expect(row.quantity).toBe(formatDecimal(sent));
    } else {
      expect(row.quantity).toBe(formatDecimal(add(parseDecimal(old.quantity), sent)));
    }
    if (row.quantity !== old.quantity) changedUsage++;
  });
  expect(changedUsage).toBeGreaterThan(0);

  // Costs: only the affected customers' billing periods that the timeframe touches may change.
  const periods = await periodStarts(r, change);
  const touched = new Map(
    [...periods].map(([id, days]) => {
      const { timezone } = account.subscriptionsById.get(id)!.customer;
      const hit = [...days].filter(([day]) => overlaps(change, ...localDay(day, timezone)));
      return [id, new Set(hit.map(([, periodStart]) => periodStart))];
    }),
  );
  const mayChange = (row: { subscription_id: string; day: string }) =>
    touched.get(row.subscription_id)?.has(periods.get(row.subscription_id)!.get(row.day)!) ?? false;
  let changedCosts = 0;
  for (const [rowsBefore, rowsAfter] of [[before.costs, after.costs], [before.subscriptionCosts, after.subscriptionCosts]] as const) {
    expect(rowsAfter.length).toBe(rowsBefore.length);
    rowsAfter.forEach((row, i) => {
      if (!mayChange(row)) expect(row).toEqual(rowsBefore[i]);
      else if (JSON.stringify(row) !== JSON.stringify(rowsBefore[i])) changedCosts++;
    });
  }
  expect(changedCosts).toBeGreaterThan(0);
  for (const s of r.sim.truth.subscriptions().filter((x) => periods.has(x.id))) {
    const truthRows = after.costs.filter((row) => row.subscription_id === s.id).map(({ plan_id: _, ...row }) => row);
    expect(await periodicCostRows(r, s)).toEqual(truthRows);
  }
}

/** An active subscription of a customer in `timezone`, started long before the window, and a metric its plan bills then. */
export function pick(timezone: string, plan: string, at: number) {
  const subscription = account.subscriptions.find(
    (s) => s.customer.timezone === timezone && s.end === null && s.start.getTime() < at - 30 * DAY_MS && phaseAt(s, new Date(at)).plan.name === plan,
  )!;
  const metric = phaseAt(subscription, new Date(at)).plan.prices.find((p) => p.metric)!.metric!;
  return { customer: subscription.customer, metric };
}
