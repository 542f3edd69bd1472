/**
 * Day-by-day costs of one subscription, mirroring Orb's costs endpoint: days are the customer's
 * local days, values are cumulative since the start of the billing period containing the day, and
 * the periodic (daily) value is the difference from the previous day of the same period. Both the
 * HTTP route and the ground truth use this, so they agree by construction.
 */
import { subtract } from '../util/decimal.js';
import { addDays, localDate, startOfLocalDay } from '../util/time-zone.js';
import type { SubscriptionRecord } from './account.js';
import { periodContaining } from './periods.js';
import { periodAmounts, type PeriodAmounts } from './pricing.js';
import { usageBetween } from './usage.js';

export interface DayCosts {
  readonly day: string; // local date
  readonly start: Date; // local midnight
  readonly end: Date; // next local midnight
  readonly periodStart: Date;
  readonly cumulative: PeriodAmounts;
  readonly periodic: PeriodAmounts;
}

function difference(current: PeriodAmounts, previous: PeriodAmounts | null): PeriodAmounts {
  if (previous === null) return current;
  return {
    prices: current.prices.map((p, i) => {
      const before = previous.prices[i]!;
      return {
        price: p.price,
        quantity: p.quantity - before.quantity,
        subtotal: subtract(p.subtotal, before.subtotal),
        total: subtract(p.total, before.total),
      };
    }),
    subtotal: subtract(current.subtotal, previous.subtotal),
    total: subtract(current.total, previous.total),
  };
}

/**
 * The days whose [start, end) intersects [from, to), on which the subscription is active and which
 * have started before `now`. Usage is accumulated from the start of the first day's billing period,
 * so cumulative values are right even when `from` is mid-period.
 */
export function* costsByDay(
  seed: number,
  subscription: SubscriptionRecord,
  from: Date,
  to: Date,
  now: Date,
): Generator<DayCosts> {
  const { customer, plan, billingCycleDay } = subscription;
  const limit = Math.min(to.getTime(), now.getTime(), subscription.end?.getTime() ?? Infinity);
  const first = Math.max(from.getTime(), subscription.start.getTime());
  if (from.getTime() >= to.getTime() || first >= limit) return;

  const tz = customer.timezone;
  const firstDay = localDate(new Date(first), tz);
  let period = periodContaining(firstDay, billingCycleDay);
  let periodStart = startOfLocalDay(period.start, tz);
  // Unique metrics: two prices on one metric must not count its usage twice.
  const metrics = [...new Map(plan.prices.flatMap((p) => (p.metric ? [[p.metric.key, p.metric] as const] : []))).values()];
  let usage = new Map<number, number>();
  let previous: PeriodAmounts | null = null;
  for (let day = period.start; ; day = addDays(day, 1)) {
    const start = startOfLocalDay(day, tz);
    if (start.getTime() >= limit) return;
    if (day >= period.end) {
      period = periodContaining(day, billingCycleDay);
      periodStart = start;
      usage = new Map();
      previous = null;
    }
    const end = startOfLocalDay(addDays(day, 1), tz);
    for (const metric of metrics) {
      usage.set(metric.key, (usage.get(metric.key) ?? 0) + usageBetween(seed, subscription, metric, start, end, now));
    }
    const cumulative = periodAmounts(plan, usage);
    if (day >= firstDay) yield { day, start, end, periodStart, cumulative, periodic: difference(cumulative, previous) };
    previous = cumulative;
  }
}
