/** GET /subscriptions/{id}/costs: Orb's day-by-day cost windows, cumulative (default) or periodic. */
import { formatDecimal } from '../../util/decimal.js';
import { statusAt, type SubscriptionRecord } from '../account.js';
import { costsByDay, type DayCosts } from '../costs.js';
import { constraintViolation } from '../orb-errors.js';
import { periodContaining } from '../periods.js';
import type { Amounts } from '../pricing.js';
import { iso, priceJson } from '../shapes.js';
import { VIEW_MODES, type ViewMode } from '../subscription-usage.js';
import { addDays, localDate, startOfLocalDay } from '../time-zone.js';
import { findSubscription, type RouteContext } from './context.js';
import { oneOf, optionalInstant } from './query.js';

/**
 * Without timeframe_start Orb reports the current billing period, or for an ended subscription the
 * last period in which it was active.
 */
export function defaultStart(subscription: SubscriptionRecord, now: Date): Date {
  const tz = subscription.customer.timezone;
  const status = statusAt(subscription, now);
  if (status === 'upcoming') return subscription.start;
  const lastDay = status === 'ended' && subscription.endDate ? addDays(subscription.endDate, -1) : localDate(now, tz);
  return startOfLocalDay(periodContaining(lastDay, subscription.billingCycleDay).start, tz);
}

/** What a cost window is rendered from: one subscription's day, or a customer's (see routes/customers.ts). */
export type CostWindow = Pick<DayCosts, 'start' | 'end' | 'periodStart' | 'cumulative' | 'periodic'>;

export function windowJson(day: CostWindow, mode: ViewMode): unknown {
  const amounts: Amounts = mode === 'cumulative' ? day.cumulative : day.periodic;
  return {
    subtotal: formatDecimal(amounts.subtotal),
    total: formatDecimal(amounts.total),
    // Cumulative windows always start at the billing period start; periodic ones span one day.
    timeframe_start: iso(mode === 'cumulative' ? day.periodStart : day.start),
    timeframe_end: iso(day.end),
    per_price_costs: amounts.prices.map((p) => ({
      quantity: Number(formatDecimal(p.quantity)),
      subtotal: formatDecimal(p.subtotal),
      total: formatDecimal(p.total),
      price: priceJson(p.price),
      price_id: p.price.id,
    })),
  };
}

/** The parameters shared with GET /customers/{id}/costs, validated; absent bounds are null. */
export function costsQuery(query: URLSearchParams): { start: Date | null; end: Date | null; mode: ViewMode; currency: string | null } {
  const start = optionalInstant(query, 'timeframe_start');
  const end = optionalInstant(query, 'timeframe_end');
  const mode = oneOf(query, 'view_mode', VIEW_MODES, 'cumulative');
  if (start && end && start.getTime() > end.getTime()) {
    throw constraintViolation('timeframe_start must not be after timeframe_end');
  }
  return { start, end, mode, currency: query.get('currency') || null };
}

export function fetchSubscriptionCosts(ctx: RouteContext, id: string, query: URLSearchParams): unknown {
  const subscription = findSubscription(ctx, id);
  const { start: requestedStart, end: requestedEnd, mode, currency } = costsQuery(query);
  // Defaults can be empty (an upcoming subscription has no cost yet): that is no data, not an error.
  const start = requestedStart ?? defaultStart(subscription, ctx.now);
  const end = requestedEnd ?? ctx.now;
  // Costs are only ever in the plan's currency; asking for another one finds nothing.
  if (currency && currency !== subscription.customer.currency) return { data: [] };
  const days = costsByDay(ctx.state, subscription, start, end, ctx.now);
  return { data: Array.from(days, (day) => windowJson(day, mode)) };
}
