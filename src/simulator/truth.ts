/**
 * Ground truth for tests, computed from the model as of the clock (not through HTTP). The cost rows
 * come from the same engine as the costs endpoint, so they equal its periodic view exactly.
 */
import { formatDecimal } from '../util/decimal.js';
import { exists, statusAt, type Account, type SubscriptionRecord } from './account.js';
import type { Clock } from './clock.js';
import { costsByDay, type DayCosts } from './costs.js';
import { iso } from './shapes.js';

export interface TruthSubscription {
  id: string;
  customer_id: string;
  external_customer_id: string | null;
  timezone: string;
  plan_id: string;
  currency: string;
  start_date: string;
  end_date: string | null;
  created_at: string;
  status: 'active' | 'ended' | 'upcoming';
}

export interface TruthDailyCost {
  day: string;
  subscription_id: string;
  price_id: string;
  currency: string;
  quantity: string;
  subtotal: string;
  total: string;
}

export interface TruthDailySubscriptionCost {
  day: string;
  subscription_id: string;
  currency: string;
  subtotal: string;
  total: string;
}

export interface Truth {
  subscriptions(): TruthSubscription[];
  dailyCosts(): TruthDailyCost[];
  dailySubscriptionCosts(): TruthDailySubscriptionCost[];
}

export function createTruth(account: Account, clock: Clock): Truth {
  const existing = (now: Date) => account.subscriptions.filter((s) => exists(s, now));

  /** Every day of every existing subscription's whole history up to now. */
  function* allDays(): Generator<{ subscription: SubscriptionRecord; day: DayCosts }> {
    const now = clock.now();
    for (const subscription of existing(now)) {
      for (const day of costsByDay(account.seed, subscription, subscription.start, now, now)) {
        yield { subscription, day };
      }
    }
  }

  return {
    subscriptions() {
      const now = clock.now();
      return existing(now).map((s) => ({
        id: s.id,
        customer_id: s.customer.id,
        external_customer_id: s.customer.externalId,
        timezone: s.customer.timezone,
        plan_id: s.plan.id,
        currency: s.plan.currency,
        start_date: iso(s.start),
        end_date: s.end ? iso(s.end) : null,
        created_at: iso(s.start),
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
            price_id: p.price.id,
            currency: subscription.plan.currency,
            quantity: String(p.quantity),
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
        currency: subscription.plan.currency,
        subtotal: formatDecimal(day.periodic.subtotal),
        total: formatDecimal(day.periodic.total),
      }));
    },
  };
}
