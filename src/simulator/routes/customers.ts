/**
 * GET /customers (newest first), GET /customers/{id} and GET /customers/{id}/costs. A customer's
 * costs are its subscriptions' costs added up per local day; all of them share the customer's time
 * zone, so their days line up.
 */
import { add, sum } from '../../util/decimal.js';
import { exists, statusAt, type CustomerRecord, type SubscriptionRecord } from '../account.js';
import { costsByDay, type DayCosts } from '../costs.js';
import type { Amounts, PriceAmount } from '../pricing.js';
import { customerJson } from '../shapes.js';
import { findCustomer, type RouteContext } from './context.js';
import { costsQuery, defaultStart, windowJson, type CostWindow } from './costs.js';
import { newestFirst, paginate } from './pagination.js';
import { instantRange } from './query.js';

export function listCustomers(ctx: RouteContext, query: URLSearchParams): unknown {
  const createdAtMatches = instantRange(query, 'created_at');
  const matching = ctx.account.customers.filter((c) => exists(c, ctx.now) && createdAtMatches(c.createdAt.getTime()));
  return paginate(matching, query, newestFirst<CustomerRecord>(), 2, customerJson);
}

export function getCustomer(ctx: RouteContext, id: string): unknown {
  return customerJson(findCustomer(ctx, id));
}

/**
 * Without timeframe_start Orb reports the customer's active subscription over its current billing
 * period or, with none active, the most recently active one over its last period; otherwise nothing.
 * With several active subscriptions all of them count.
 */
function defaultSubscriptions(subscriptions: readonly SubscriptionRecord[], now: Date): SubscriptionRecord[] {
  const active = subscriptions.filter((s) => statusAt(s, now) === 'active');
  if (active.length > 0) return active;
  const ended = subscriptions.filter((s) => statusAt(s, now) === 'ended');
  const latest = ended.reduce<SubscriptionRecord | null>((a, b) => (a === null || b.end!.getTime() > a.end!.getTime() ? b : a), null);
  return latest ? [latest] : [];
}

/** Amounts of several subscriptions added up; a price that two of them bill appears once, summed. */
function sumAmounts(parts: readonly Amounts[]): Amounts {
  const byPrice = new Map<string, PriceAmount>();
  for (const p of parts.flatMap((part) => part.prices)) {
    const seen = byPrice.get(p.price.id);
    byPrice.set(
      p.price.id,
      seen
        ? { price: p.price, quantity: add(seen.quantity, p.quantity), subtotal: add(seen.subtotal, p.subtotal), total: add(seen.total, p.total) }
        : p,
    );
  }
  return { prices: [...byPrice.values()], subtotal: sum(parts.map((p) => p.subtotal)), total: sum(parts.map((p) => p.total)) };
}

/** Per local day (ascending) with any active subscription, the sum of the subscriptions' costs. */
function customerWindows(ctx: RouteContext, subscriptions: readonly SubscriptionRecord[], from: Date, to: Date): CostWindow[] {
  const byDay = new Map<string, DayCosts[]>();
  for (const subscription of subscriptions) {
    for (const day of costsByDay(ctx.state, subscription, from, to, ctx.now)) {
      const parts = byDay.get(day.day);
      if (parts) parts.push(day);
      else byDay.set(day.day, [day]);
    }
  }
  return [...byDay.keys()].sort().map((key) => {
    const parts = byDay.get(key)!;
    return {
      start: parts[0]!.start,
      end: parts[0]!.end,
      // Subscriptions bill on their own cycles: a cumulative window reaches back to the earliest period start.
      periodStart: new Date(Math.min(...parts.map((p) => p.periodStart.getTime()))),
      cumulative: sumAmounts(parts.map((p) => p.cumulative)),
      periodic: sumAmounts(parts.map((p) => p.periodic)),
    };
  });
}

export function fetchCustomerCosts(ctx: RouteContext, id: string, query: URLSearchParams): unknown {
  const customer = findCustomer(ctx, id);
  const { start: requestedStart, end: requestedEnd, mode, currency } = costsQuery(query);
  // Costs are only ever in the customer's currency; asking for another one finds nothing.
  if (currency && currency !== customer.currency) return { data: [] };
  const existing = (ctx.account.subscriptionsByCustomer.get(customer) ?? []).filter((s) => exists(s, ctx.now));
  // With a timeframe, every subscription active in it counts (costsByDay skips its inactive days).
  const subscriptions = requestedStart ? existing : defaultSubscriptions(existing, ctx.now);
  if (subscriptions.length === 0) return { data: [] };
  const start = requestedStart ?? new Date(Math.min(...subscriptions.map((s) => defaultStart(s, ctx.now).getTime())));
  const end = requestedEnd ?? ctx.now;
  return { data: customerWindows(ctx, subscriptions, start, end).map((window) => windowJson(window, mode)) };
}
