/**
 * Ground truth for tests, computed from the model as of the clock (not through HTTP). Cost rows come
 * from the same engine as the costs endpoint, usage and volume from the same event queries as
 * their endpoints, and catalogue rows from the same JSON shapes, so they agree with them exactly.
 */
import { formatDecimal, ZERO } from '../util/decimal.js';
import { compareNewestFirst, exists, planAt, statusAt, type SubscriptionRecord } from './account.js';
import type { Clock } from './clock.js';
import { costsByDay, type DayCosts } from './costs.js';
import { HOUR_MS } from './events.js';
import type { PriceDef } from './plans.js';
import { iso, planJson, priceJson } from './shapes.js';
import type { SimulatorState } from './state.js';
import { dayWindows, groupMeasure, metricsMeasure, subscriptionMetrics, windowQuantities, type Measure, type WindowQuantities } from './subscription-usage.js';
import { hourlyVolume } from './usage.js';

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

export interface TruthPlan {
  id: string;
  external_plan_id: string | null;
  name: string;
  currency: string;
  status: string;
  created_at: string;
}

export interface TruthPrice {
  id: string;
  name: string;
  model_type: string;
  currency: string;
  billable_metric_id: string | null;
  plan_id: string | null; // the plan that lists it; null for add-ons and one-off charges
}

/** One item of GET /subscriptions/{id}/schedule: a plan and the instants it is in force. */
export interface TruthScheduleItem {
  subscription_id: string;
  plan_id: string;
  start_date: string;
  end_date: string | null;
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

export interface TruthDailyUsageByGroup {
  day: string;
  subscription_id: string;
  billable_metric_id: string;
  group_key: string; // the group_by property
  group_value: string;
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
  /** Every plan GET /plans serves, in its order. */
  plans(): TruthPlan[];
  /**
   * Every price served anywhere: plan prices (GET /plans order), add-ons (GET /prices order), then
   * the one-off charges of subscriptions that have started, which appear only in cost rows.
   */
  prices(): TruthPrice[];
  /** Every existing subscription's schedule, as GET /subscriptions/{id}/schedule serves it (future items too). */
  schedules(): TruthScheduleItem[];
  dailyCosts(): TruthDailyCost[];
  dailySubscriptionCosts(): TruthDailySubscriptionCost[];
  /** Every metric of every existing subscription, per local day of its active history up to now. */
  dailyUsage(): TruthDailyUsage[];
  /**
   * Per subscription and metric it bills, per local day, the usage of each value of the event
   * property `property`, as GET /subscriptions/{id}/usage?granularity=day&billable_metric_id=…&group_by=…
   * serves it. Only values with events that day have a row: the endpoint's zeros (a value seen on
   * another day of the requested timeframe) depend on the timeframe asked for.
   */
  dailyUsageByGroup(property: string): TruthDailyUsageByGroup[];
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

  /** Each window of the subscription's active history up to `now`, one local day each, measured by `measure`. */
  const historyByDay = (subscription: SubscriptionRecord, now: Date, measure: Measure): Iterable<WindowQuantities> =>
    windowQuantities(subscription, dayWindows(subscription, subscription.start, now), 'periodic', measure);

  const priceRow = (price: PriceDef, planId: string | null): TruthPrice => ({
    id: price.id,
    name: price.name,
    model_type: priceJson(price).model_type as string,
    currency: price.currency,
    billable_metric_id: price.metric?.id ?? null,
    plan_id: planId,
  });

  const listedPlans = () => [...account.plans].sort(compareNewestFirst);

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
    plans() {
      return listedPlans().map((plan) => {
        const { id, external_plan_id, name, currency, status, created_at } = planJson(plan) as unknown as TruthPlan;
        return { id, external_plan_id, name, currency, status, created_at };
      });
    },
    prices() {
      const now = clock.now();
      const charged = new Set(existing(now).flatMap((s) => (s.oneOffCharge && s.start < now ? [s.oneOffCharge] : [])));
      return [
        ...listedPlans().flatMap((plan) => plan.prices.map((price) => priceRow(price, plan.id))),
        ...[...account.catalogue.addOnPrices].sort(compareNewestFirst).map((price) => priceRow(price, null)),
        ...account.catalogue.oneOffCharges.filter((charge) => charged.has(charge)).map((charge) => priceRow(charge, null)),
      ];
    },
    schedules() {
      return existing(clock.now()).flatMap((s) =>
        s.phases.map((phase) => ({
          subscription_id: s.id,
          plan_id: phase.plan.id,
          start_date: iso(phase.start),
          end_date: phase.end ? iso(phase.end) : null,
        })),
      );
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
        for (const { window, quantities } of historyByDay(subscription, now, metricsMeasure(state, subscription, metrics, now.getTime()))) {
          for (const metric of metrics) {
            const quantity = formatDecimal(quantities.get(metric.id) ?? ZERO);
            rows.push({ day: window.day, subscription_id: subscription.id, billable_metric_id: metric.id, quantity });
          }
        }
      }
      return rows;
    },
    dailyUsageByGroup(property) {
      const now = settledNow();
      const rows: TruthDailyUsageByGroup[] = [];
      for (const subscription of existing(now)) {
        for (const metric of subscriptionMetrics(subscription)) {
          for (const { window, quantities } of historyByDay(subscription, now, groupMeasure(state, subscription, metric, property, now.getTime()))) {
            for (const [value, quantity] of [...quantities].sort(([a], [b]) => (a < b ? -1 : 1))) {
              rows.push({
                day: window.day,
                subscription_id: subscription.id,
                billable_metric_id: metric.id,
                group_key: property,
                group_value: value,
                quantity: formatDecimal(quantity),
              });
            }
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
