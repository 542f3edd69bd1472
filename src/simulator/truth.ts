/**
 * Ground truth for tests, computed from the model as of the clock (not through HTTP). Cost rows come
 * from the same engine as the costs endpoint and usage and volume from the same event queries as
 * their endpoints, so they agree with them exactly.
 */
import { formatDecimal } from '../util/decimal.js';
import { exists, planAt, statusAt, type SubscriptionRecord } from './account.js';
import type { Clock } from './clock.js';
import { costsByDay, type DayCosts } from './costs.js';
import { HOUR_MS } from './events.js';
import { iso } from './shapes.js';
import type { SimulatorState } from './state.js';
import { dayWindows, subscriptionMetrics } from './subscription-usage.js';
import { hourlyVolume, metricQuantity } from './usage.js';

export interface TruthCustomer {
  id: string;
  external_customer_id: string | null;
  name: string;
  email: string;
  timezone: string;
  currency: string;
  created_at: string;
}

export interface TruthSubscription {
  id: string;
  customer_id: string;
  external_customer_id: string | null;
  timezone: string;
  plan_id: string; // the plan in force now
  currency: string;
  start_date: string;
  end_date: string | null;
  created_at: string;
  status: 'active' | 'ended' | 'upcoming';
}

export interface TruthDailyCost {
  day: string;
  subscription_id: string;
  plan_id: string; // the plan in force that day
  price_id: string;
  currency: string;
  quantity: string;
  subtotal: string;
  total: string;
}

export interface TruthDailySubscriptionCost {
  day: string;
  subscription_id: string;
  plan_id: string;
  currency: string;
  subtotal: string;
  total: string;
}

export interface TruthDailyUsage {
  day: string;
  subscription_id: string;
  billable_metric_id: string;
  quantity: string;
}

export interface TruthHourlyVolume {
  timeframe_start: string;
  count: number;
}

export interface Truth {
  /** Every customer existing now, with or without subscriptions, newest first as GET /customers lists them. */
  customers(): TruthCustomer[];
  subscriptions(): TruthSubscription[];
  dailyCosts(): TruthDailyCost[];
  dailySubscriptionCosts(): TruthDailySubscriptionCost[];
  /** Every metric of every existing subscription, per local day of its active history up to now. */
  dailyUsage(): TruthDailyUsage[];
  /** Event counts of the UTC hours starting in [from, to) (whole hours; to defaults to now). */
  hourlyVolume(from: Date, to?: Date): TruthHourlyVolume[];
}

export function createTruth(state: SimulatorState, clock: Clock): Truth {
  const { account, ledger } = state;
  const existing = (now: Date) => account.subscriptions.filter((s) => exists(s, now));
  const settledNow = () => {
    const now = clock.now();
    ledger.settle(now);
    return now;
  };

  /** Every day of every existing subscription's whole history up to now. */
  function* allDays(): Generator<{ subscription: SubscriptionRecord; day: DayCosts }> {
    const now = settledNow();
    for (const subscription of existing(now)) {
      for (const day of costsByDay(state, subscription, subscription.start, now, now)) yield { subscription, day };
    }
  }

  return {
    customers() {
      const now = clock.now();
      return account.customers
        .filter((c) => exists(c, now))
        .map((c) => ({
          id: c.id,
          external_customer_id: c.externalId,
          name: c.name,
          email: c.email,
          timezone: c.timezone,
          currency: c.currency,
          created_at: iso(c.createdAt),
        }));
    },
    subscriptions() {
      const now = settledNow();
      return existing(now).map((s) => ({
        id: s.id,
        customer_id: s.customer.id,
        external_customer_id: s.customer.externalId,
        timezone: s.customer.timezone,
        plan_id: planAt(s, now).id,
        currency: s.customer.currency,
        start_date: iso(s.start),
        end_date: s.end ? iso(s.end) : null,
        created_at: iso(s.createdAt),
        status: statusAt(s, now),
      }));
    },
    dailyCosts() {
      const rows: TruthDailyCost[] = [];
      for (const { subscription, day } of allDays()) {
        for (const p of day.periodic.prices) {
          rows.push({
            day: day.day,
            subscription_id: subscription.id,
            plan_id: day.phase.plan.id,
            price_id: p.price.id,
            currency: subscription.customer.currency,
            quantity: formatDecimal(p.quantity),
            subtotal: formatDecimal(p.subtotal),
            total: formatDecimal(p.total),
          });
        }
      }
      return rows;
    },
    dailySubscriptionCosts() {
      return Array.from(allDays(), ({ subscription, day }) => ({
        day: day.day,
        subscription_id: subscription.id,
        plan_id: day.phase.plan.id,
        currency: subscription.customer.currency,
        subtotal: formatDecimal(day.periodic.subtotal),
        total: formatDecimal(day.periodic.total),
      }));
    },
    dailyUsage() {
      const now = settledNow();
      const rows: TruthDailyUsage[] = [];
      for (const subscription of existing(now)) {
        const metrics = subscriptionMetrics(subscription);
        for (const window of dayWindows(subscription, subscription.start, now)) {
          for (const metric of metrics) {
            const quantity = metricQuantity(state, subscription.customer, metric, window.start.getTime(), window.end.getTime(), now.getTime());
            rows.push({ day: window.day, subscription_id: subscription.id, billable_metric_id: metric.id, quantity: formatDecimal(quantity) });
          }
        }
      }
      return rows;
    },
    hourlyVolume(from, to) {
      const now = settledNow();
      const rows: TruthHourlyVolume[] = [];
      const end = (to ?? now).getTime();
      for (let hour = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
        rows.push({ timeframe_start: iso(new Date(hour)), count: hourlyVolume(state, hour, now.getTime()) });
      }
      return rows;
    },
  };
}
