import type { SubscriptionFetchCostsResponse } from 'orb-billing/resources/subscriptions';
import { z } from 'zod';
import { toMoney } from '../destinations/money.js';
import { RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_PRICE_COSTS } from '../schema/staging.js';
import { canonicalDecimal, decimalFromNumber, formatDecimal } from '../util/decimal.js';
import { addDays, dayEndingAt, startOfLocalDay } from '../util/time-zone.js';
import { childRows, version, type PartitionedStream } from './stream.js';

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
  kind: 'partitioned',
  name: 'subscription_costs',
  endpoint: 'analytics',
  partitions: (ctx) =>
    ctx.destination.db
      .selectFrom('raw_subscriptions_latest')
      .select(['subscription_id', 'customer_timezone', 'start_date', 'end_date'])
      .orderBy('subscription_id')
      .execute(),
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
  toVersions: (response, s) =>
    response.data.map((raw) => {
      const w = windowShape.parse(raw);
      const day = dayEndingAt(w.timeframe_end, s.customer_timezone);
      const bounds = { subscription_id: s.subscription_id, day, timeframe_start: w.timeframe_start, timeframe_end: w.timeframe_end };
      const prices = w.per_price_costs
        .map((p) => ({
          ...bounds,
          price_id: p.price_id,
          billable_metric_id: p.price.billable_metric?.id ?? null,
          currency: p.price.currency,
          quantity: p.quantity,
          subtotal: p.subtotal,
          total: p.total,
        }))
        .sort((a, b) => (a.price_id < b.price_id ? -1 : a.price_id > b.price_id ? 1 : 0));
      return version(
        RAW_SUBSCRIPTION_COST_DAYS,
        { ...bounds, subtotal: w.subtotal, total: w.total },
        childRows(RAW_SUBSCRIPTION_PRICE_COSTS, prices),
      );
    }),
  nextCursor: (response) => {
    const ends = response.data.map((w) => new Date(w.timeframe_end).getTime());
    return ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : undefined;
  },
};

function maxDate(a: Date, b: Date): Date {
  return a > b ? a : b;
}
