import type { SubscriptionFetchCostsResponse } from 'orb-billing/resources/subscriptions';
import { z } from 'zod';
import { dataEnvelope } from '../orb/orb-api.js';
import { RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_PRICE_COSTS } from '../schema/staging.js';
import { addDays, dayEndingAt, localDate, startOfLocalDay } from '../util/time-zone.js';
import { instant, money, quantity } from './fields.js';
import { priceVersion } from './prices.js';
import { childRows, subscriptionPartitions, version, type PartitionedStream, type SubscriptionPartition, type StagedVersion, type StreamContext, type Window } from './stream.js';

/** A cumulative window: Orb's total since `timeframe_start` (the billing period start) up to the end of `day`. */
type CostDay = z.output<typeof windowShape> & { day: string; beforeStartDate: boolean; prices: StagedVersion[] };

const windowShape = z.object({
  timeframe_start: instant,
  timeframe_end: instant,
  subtotal: money,
  total: money,
  per_price_costs: z.array(
    z.object({
      price_id: z.string().min(1),
      quantity: quantity.nullish(),
      subtotal: money,
      total: money,
      price: z.object({ currency: z.string().min(1), billable_metric: z.object({ id: z.string() }).nullish() }),
    }),
  ),
});

/**
 * Where a partition's reading stands. `end`: how far its costs are read. `rereadFrom`: the start
 * of the billing period holding the first day the next sync re-reads (or the day before the start
 * date, if later); costs are cumulative within a period, so each day's change must come from two
 * values read together. `from`: the earliest instant read, so an earlier start date extends history.
 */
interface CostCursor {
  end: string;
  rereadFrom: string;
  from: string;
}

function readCursor(text: string | undefined): CostCursor | undefined {
  if (!text?.startsWith('{')) return undefined; // none yet, or an older orb-sync's: read it all again
  return JSON.parse(text) as CostCursor;
}

/**
 * Orb's costs for one subscription, one cumulative window per customer-local day. With a start
 * date, reads begin the day before it: that day is only the start date's starting point (models
 * keep a day only when it starts its period or the day before it was read in the same response).
 */
export const subscriptionCostsStream: PartitionedStream<SubscriptionPartition, CostDay> = {
  kind: 'partitioned',
  name: 'subscription_costs',
  endpoint: 'analytics',
  restates: true,
  partitions: subscriptionPartitions,
  partitionKey: (s) => s.subscription_id,
  window: (s, cursorText, ctx) => {
    const cursor = readCursor(cursorText);
    const start = new Date(s.start_date);
    const end = s.end_date ? new Date(s.end_date) : undefined;
    // Orb's clock decides which days exist; an hour's margin covers the Date header's rounding.
    const to = end ?? new Date(ctx.api.now().getTime() + 3_600_000);
    const reread = ctx.reread?.get(s.subscription_id);
    if (reread) {
      const from = reread.dayFrom ? maxDate(start, startOfLocalDay(reread.dayFrom, s.customer_timezone)) : start;
      return from < to ? { from, to } : null;
    }
    const wanted = ctx.settings.startDate
      ? maxDate(start, startOfLocalDay(addDays(ctx.settings.startDate, -1), s.customer_timezone))
      : start;
    const extend = !cursor || wanted < new Date(cursor.from);
    if (!extend && end && new Date(cursor.end) >= end) return null;
    const from = extend ? wanted : maxDate(wanted, new Date(cursor.rereadFrom));
    return from < to ? { from, to } : null;
  },
  read: {
    kind: 'call',
    fetch: (orb, s, { from, to }) =>
      orb.subscriptions.fetchCosts(s.subscription_id, {
        timeframe_start: from.toISOString(),
        timeframe_end: to.toISOString(),
        view_mode: 'cumulative',
      }),
    envelope: dataEnvelope,
  },
  units: (response: SubscriptionFetchCostsResponse) => response.data,
  parse: (unit, s, ctx) => {
    const w = windowShape.parse(unit);
    const day = dayEndingAt(w.timeframe_end, s.customer_timezone);
    const prices = (unit as { per_price_costs: Array<{ price: unknown }> }).per_price_costs.map((p) => priceVersion(p.price));
    return { ...w, day, beforeStartDate: ctx.settings.startDate !== undefined && day < ctx.settings.startDate, prices };
  },
  describe: (unit) => {
    const { timeframe_start: start, timeframe_end: end } = (unit ?? {}) as { timeframe_start?: unknown; timeframe_end?: unknown };
    return `window ending ${String(end ?? '?')} (period from ${String(start ?? '?')})`;
  },
  toVersions: (w, s) => {
    const bounds = { subscription_id: s.subscription_id, day: w.day, timeframe_start: w.timeframe_start, timeframe_end: w.timeframe_end };
    const prices = w.per_price_costs
      .map((p) => ({
        ...bounds,
        price_id: p.price_id,
        billable_metric_id: p.price.billable_metric?.id ?? null,
        currency: p.price.currency,
        quantity: p.quantity ?? null,
        subtotal: p.subtotal,
        total: p.total,
      }))
      .sort((a, b) => (a.price_id < b.price_id ? -1 : a.price_id > b.price_id ? 1 : 0));
    const day = version(
      RAW_SUBSCRIPTION_COST_DAYS,
      {
        ...bounds,
        subtotal: w.subtotal,
        total: w.total,
        period_first_day: localDate(w.timeframe_start, s.customer_timezone),
        before_start_date: w.beforeStartDate,
        is_deleted: false,
      },
      childRows(RAW_SUBSCRIPTION_PRICE_COSTS, prices),
    );
    return [day, ...w.prices];
  },
  nextCursor: (accepted, _s, window, cursorText, ctx) => nextCostCursor(accepted, window, readCursor(cursorText), ctx),
  // Every day from the window's first to the last returned was returned (Orb has no gaps), and a
  // restatement's re-read also covers its scope to the end: a stored day in there not returned is gone.
  coverage: (accepted, s, window, ctx) => {
    const from = localDate(window.from, s.customer_timezone);
    const afterLast = accepted.length > 0 ? addDays(accepted.at(-1)!.day, 1) : from;
    const scopeEnd = ctx.reread?.get(s.subscription_id)?.dayTo;
    const to = scopeEnd && scopeEnd > afterLast ? scopeEnd : afterLast;
    return from < to ? { table: RAW_SUBSCRIPTION_COST_DAYS, partition: { subscription_id: s.subscription_id }, from, to } : undefined;
  },
};

function nextCostCursor(accepted: readonly CostDay[], window: Window, cursor: CostCursor | undefined, ctx: StreamContext): string | undefined {
  const last = accepted.at(-1);
  if (!last) return undefined;
  // The first day the next sync re-reads, and the start of its billing period.
  const firstReread = addDays(last.day, -ctx.settings.lookbackDays);
  const reread = accepted.find((w) => w.day >= firstReread) ?? last;
  const from = cursor && new Date(cursor.from) < window.from ? cursor.from : window.from.toISOString();
  const next: CostCursor = { end: last.timeframe_end.toISOString(), rereadFrom: reread.timeframe_start.toISOString(), from };
  return JSON.stringify(next);
}

function maxDate(a: Date, b: Date): Date {
  return a > b ? a : b;
}
