/**
 * Day-by-day costs of one subscription, mirroring Orb's costs endpoint: days are the customer's
 * local days, values are cumulative since the start of the billing period containing the day, and
 * the periodic (daily) value is the difference from the previous day of the same period. A plan
 * change inside a period starts a new stretch on the new plan; the finished stretch's amounts stay
 * in the period's cumulative values. A one-off charge counts in the first billing period, beside
 * the plan. The HTTP routes and the ground truth both use this.
 */
import { add as addDecimal, subtract, ZERO, type Decimal } from '../util/decimal.js';
import type { Phase, SubscriptionRecord } from './account.js';
import { periodContaining } from './periods.js';
import type { Metric } from './plans.js';
import { chargeAmounts, combineAmounts, planAmounts, type Amounts } from './pricing.js';
import type { SimulatorState } from './state.js';
import { addDays, localDate, startOfLocalDay } from './time-zone.js';
import { metricQuantity } from './usage.js';

export interface DayCosts {
  readonly day: string; // local date
  readonly start: Date; // local midnight
  readonly end: Date; // next local midnight
  readonly periodStart: Date;
  readonly phase: Phase; // the plan in force that day
  readonly cumulative: Amounts;
  readonly periodic: Amounts;
}

/** Per price (by id) and in total, `current` minus `previous`; prices new today count in full. */
function difference(current: Amounts, previous: Amounts | null): Amounts {
  if (previous === null) return current;
  const before = new Map(previous.prices.map((p) => [p.price.id, p]));
  return {
    prices: current.prices.map((p) => {
      const earlier = before.get(p.price.id);
      if (!earlier) return p;
      return {
        price: p.price,
        quantity: subtract(p.quantity, earlier.quantity),
        subtotal: subtract(p.subtotal, earlier.subtotal),
        total: subtract(p.total, earlier.total),
      };
    }),
    subtotal: subtract(current.subtotal, previous.subtotal),
    total: subtract(current.total, previous.total),
  };
}

function phaseOn(subscription: SubscriptionRecord, day: string): Phase {
  const { phases } = subscription;
  return phases.find((p) => p.endDate === null || day < p.endDate) ?? phases[phases.length - 1]!;
}

/**
 * Each metric the phase's plan bills (once: two prices on one metric must not count its usage
 * twice), with the instants at which one of its unit prices changed amount, ascending.
 */
function meteredOf(state: SimulatorState, phase: Phase): { metric: Metric; changes: number[] }[] {
  const metered = new Map<number, { metric: Metric; changes: number[] }>();
  for (const price of phase.plan.prices) {
    if (!price.metric) continue;
    const entry = metered.get(price.metric.key) ?? { metric: price.metric, changes: [] };
    entry.changes.push(...state.priceChanges.instantsOf(price));
    metered.set(price.metric.key, entry);
  }
  for (const entry of metered.values()) entry.changes.sort((a, b) => a - b);
  return [...metered.values()];
}

/** [start, end) cut at the change instants inside it, each piece keyed by the latest change at or before it. */
function* piecesOf(start: number, end: number, changes: readonly number[]): Generator<{ since: number; from: number; to: number }> {
  let since = -Infinity;
  let from = start;
  for (const change of changes) {
    if (change <= start) since = change;
    else if (change < end) {
      yield { since, from, to: change };
      since = change;
      from = change;
    }
  }
  yield { since, from, to: end };
}

/**
 * The days whose [start, end) intersects [from, to), on which the subscription is active and which
 * have started before `now`. Usage is accumulated from the start of the first day's billing period,
 * so cumulative values are right even when `from` is mid-period.
 */
export function* costsByDay(
  state: SimulatorState,
  subscription: SubscriptionRecord,
  from: Date,
  to: Date,
  now: Date,
): Generator<DayCosts> {
  const { customer, billingCycleDay } = subscription;
  const limit = Math.min(to.getTime(), now.getTime(), subscription.end?.getTime() ?? Infinity);
  const first = Math.max(from.getTime(), subscription.start.getTime());
  if (from.getTime() >= to.getTime() || first >= limit) return;

  const tz = customer.timezone;
  const firstDay = localDate(new Date(first), tz);
  const { unitAmountAt } = state.priceChanges;
  const firstPeriodStart = periodContaining(subscription.startDate, billingCycleDay).start;
  const oneOff = subscription.oneOffCharge && chargeAmounts(subscription.oneOffCharge, unitAmountAt);
  let period = periodContaining(firstDay, billingCycleDay);
  let periodStart = startOfLocalDay(period.start, tz);
  let phase: Phase | null = null;
  let metered: ReturnType<typeof meteredOf> = [];
  let finished: Amounts[] = []; // earlier stretches of this period, on other plans
  let stretch: Amounts | null = null;
  let usage = new Map<number, Map<number, Decimal>>();
  let previous: Amounts | null = null;
  for (let day = period.start; ; day = addDays(day, 1)) {
    const start = startOfLocalDay(day, tz);
    if (start.getTime() >= limit) return;
    if (day >= period.end) {
      period = periodContaining(day, billingCycleDay);
      periodStart = start;
      finished = [];
      stretch = null;
      previous = null;
    }
    const today = phaseOn(subscription, day);
    if (today !== phase || stretch === null) {
      if (stretch !== null) finished.push(stretch);
      phase = today;
      metered = meteredOf(state, phase);
      usage = new Map();
    }
    const end = startOfLocalDay(addDays(day, 1), tz);
    // Days before the subscription started (inside its first period) accrue nothing.
    if (start.getTime() >= subscription.start.getTime()) {
      for (const { metric, changes } of metered) {
        const parts = usage.get(metric.key) ?? new Map<number, Decimal>();
        for (const piece of piecesOf(start.getTime(), end.getTime(), changes)) {
          const quantity = metricQuantity(state, customer, metric, piece.from, piece.to, now.getTime());
          parts.set(piece.since, addDecimal(parts.get(piece.since) ?? ZERO, quantity));
        }
        usage.set(metric.key, parts);
      }
    }
    stretch = planAmounts(phase.plan, usage, unitAmountAt);
    const charges = oneOff && period.start === firstPeriodStart ? [oneOff] : [];
    const cumulative = combineAmounts([...finished, stretch, ...charges]);
    if (day >= firstDay) yield { day, start, end, periodStart, phase, cumulative, periodic: difference(cumulative, previous) };
    previous = cumulative;
  }
}
