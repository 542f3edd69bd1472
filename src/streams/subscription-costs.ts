import type { SubscriptionFetchCostsResponse } from 'orb-billing/resources/subscriptions';
import { z } from 'zod';
import type { TableShape } from '../destinations/destination.js';
import { toMoney } from '../destinations/money.js';
import { canonicalDecimal, decimalFromNumber, formatDecimal } from '../util/decimal.js';
import { addDays, dayEndingAt, localDate, startOfLocalDay } from '../util/time-zone.js';
import { contentHash } from './hash.js';
import type { PartitionedStream, StreamContext } from './stream.js';

export const RAW_COST_DAYS: TableShape = {
  name: 'raw_subscription_cost_days',
  columns: [
    { name: 'run_id', type: 'bigint' },
    { name: 'load_id', type: 'bigint' },
    { name: 'extracted_at', type: 'timestamptz' },
    { name: 'subscription_id', type: 'text' },
    { name: 'day', type: 'date' },
    { name: 'timeframe_start', type: 'timestamptz' },
    { name: 'timeframe_end', type: 'timestamptz' },
    { name: 'subtotal', type: 'decimal' },
    { name: 'total', type: 'decimal' },
    { name: 'content_hash', type: 'text' },
  ],
};

export const RAW_PRICE_COSTS: TableShape = {
  name: 'raw_subscription_price_costs',
  columns: [
    { name: 'run_id', type: 'bigint' },
    { name: 'load_id', type: 'bigint' },
    { name: 'subscription_id', type: 'text' },
    { name: 'day', type: 'date' },
    { name: 'timeframe_start', type: 'timestamptz' },
    { name: 'timeframe_end', type: 'timestamptz' },
    { name: 'price_id', type: 'text' },
    { name: 'billable_metric_id', type: 'text' },
    { name: 'currency', type: 'text' },
    { name: 'quantity', type: 'decimal' },
    { name: 'subtotal', type: 'decimal' },
    { name: 'total', type: 'decimal' },
  ],
};

interface CostPartition {
  subscription_id: string;
  customer_timezone: string;
  start_date: string;
  end_date: string | null;
}

const money = z.string().transform((text) => (toMoney(text), canonicalDecimal(text)));
const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const windowShape = z.object({
  timeframe_start: instant,
  timeframe_end: instant,
  subtotal: money,
  total: money,
  per_price_costs: z.array(
    z.object({
      price_id: z.string().min(1),
      quantity: z.number().nullish().transform((q) => (q == null ? null : formatDecimal(decimalFromNumber(q)))),
      subtotal: money,
      total: money,
      price: z.object({ currency: z.string().min(1), billable_metric: z.object({ id: z.string() }).nullish() }),
    }),
  ),
});

/** Orb's costs for one subscription, cumulative within each billing period, one window per local day. */
export const subscriptionCostsStream: PartitionedStream<CostPartition, SubscriptionFetchCostsResponse> = {
  name: 'subscription_costs',
  endpoint: 'analytics',
  partitions: (ctx) =>
    ctx.destination.query<CostPartition & Record<string, string | null>>(
      'select subscription_id, customer_timezone, start_date, end_date from stg_subscriptions order by subscription_id',
    ),
  partitionKey: (s) => s.subscription_id,
  window: (s, cursor, ctx) => {
    const start = new Date(s.start_date);
    const end = s.end_date ? new Date(s.end_date) : undefined;
    if (cursor && end && new Date(cursor) >= end) return null;
    const firstDay = cursor
      ? addDays(dayEndingAt(new Date(cursor), s.customer_timezone), -ctx.settings.lookbackDays)
      : ctx.settings.startDate;
    const from = firstDay ? maxDate(start, startOfLocalDay(firstDay, s.customer_timezone)) : start;
    // Orb returns windows only up to its own "now"; a day past ours covers a skewed clock.
    const to = end ?? new Date(ctx.startedAt.getTime() + 86_400_000);
    return from < to ? { from, to } : null;
  },
  fetch: (orb, s, { from, to }) =>
    orb.subscriptions.fetchCosts(s.subscription_id, {
      timeframe_start: from.toISOString(),
      timeframe_end: to.toISOString(),
      view_mode: 'cumulative',
    }),
  toGroups: (response, s, ctx) =>
    response.data.map((raw) => {
      const w = windowShape.parse(raw);
      const day = dayEndingAt(w.timeframe_end, s.customer_timezone);
      const prices = w.per_price_costs
        .map((p) => [p.price_id, p.price.billable_metric?.id ?? null, p.price.currency, p.quantity, p.subtotal, p.total] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const hash = contentHash([w.timeframe_start, w.timeframe_end, w.subtotal, w.total, prices]);
      const bounds = [s.subscription_id, day, w.timeframe_start, w.timeframe_end] as const;
      return {
        key: day,
        hash,
        rows: new Map([
          [RAW_COST_DAYS, [[ctx.startedAt, ...bounds, w.subtotal, w.total, hash]]],
          [RAW_PRICE_COSTS, prices.map((price) => [...bounds, ...price])],
        ]),
      };
    }),
  storedHashes: async (ctx: StreamContext, s, window) => {
    const rows = await ctx.destination.query<{ day: string; content_hash: string }>(
      `select d.day, d.content_hash from raw_subscription_cost_days d
       join (select day, max(load_id) as load_id from raw_subscription_cost_days
             where subscription_id = $1 and day >= $2 group by day) latest using (day, load_id)
       where d.subscription_id = $1`,
      [s.subscription_id, localDate(window.from, s.customer_timezone)],
    );
    return new Map(rows.map((row) => [row.day, row.content_hash]));
  },
  nextCursor: (response) => {
    const ends = response.data.map((w) => new Date(w.timeframe_end).getTime());
    return ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : undefined;
  },
};

function maxDate(a: Date, b: Date): Date {
  return a > b ? a : b;
}
