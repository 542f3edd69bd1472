import type { Db } from '../destinations/destination.js';
import { addDays } from '../util/time-zone.js';

/** Customer-local days [dayFrom, dayTo) of one subscription; null bounds are open. */
export interface SubscriptionScope {
  readonly subscriptionId: string;
  readonly dayFrom: string | null;
  readonly dayTo: string | null;
}

/** What a model build covers: every subscription's whole history, or some scopes. */
export type BuildScope = 'all' | readonly SubscriptionScope[];

/**
 * The scopes staging changed since `sinceLoadId`: the days whose cost versions changed (and the
 * day after each, whose change from it moved), the days whose usage changed, and the whole history of a subscription whose
 * subscription, customer or schedule changed (they carry the facts' ids and plan).
 */
export async function changedScopes(db: Db, sinceLoadId: string): Promise<SubscriptionScope[]> {
  const changedDays = (table: 'raw_subscription_cost_days' | 'raw_subscription_usage_days' | 'raw_subscription_usage_group_days') =>
    db
      .selectFrom(table)
      .select(['subscription_id', (eb) => eb.fn.min('day').as('day_from'), (eb) => eb.fn.max('day').as('day_max')])
      .where('load_id', '>', sinceLoadId)
      .groupBy('subscription_id')
      .execute();
  const costDays = await changedDays('raw_subscription_cost_days');
  const usageDays = [...(await changedDays('raw_subscription_usage_days')), ...(await changedDays('raw_subscription_usage_group_days'))];
  const wholeHistory = await db
    .selectFrom('raw_subscriptions')
    .select('subscription_id')
    .where('load_id', '>', sinceLoadId)
    .union(
      db
        .selectFrom('raw_subscriptions_latest as s')
        .innerJoin('raw_customers as c', 'c.customer_id', 's.customer_id')
        .select('s.subscription_id')
        .where('c.load_id', '>', sinceLoadId),
    )
    .union(db.selectFrom('raw_subscription_schedules').select('subscription_id').where('load_id', '>', sinceLoadId))
    .execute();
  return mergeScopes([
    ...costDays.map((row) => ({ subscriptionId: row.subscription_id, dayFrom: row.day_from, dayTo: addDays(row.day_max, 2) })),
    // Usage is periodic: a changed day moves only itself.
    ...usageDays.map((row) => ({ subscriptionId: row.subscription_id, dayFrom: row.day_from, dayTo: addDays(row.day_max, 1) })),
    ...wholeHistory.map((row) => ({ subscriptionId: row.subscription_id, dayFrom: null, dayTo: null })),
  ]);
}

/** One scope per subscription: the smallest [from, to) that covers all of its scopes. */
export function mergeScopes(scopes: readonly SubscriptionScope[]): SubscriptionScope[] {
  const merged = new Map<string, SubscriptionScope>();
  for (const scope of scopes) {
    const seen = merged.get(scope.subscriptionId);
    merged.set(
      scope.subscriptionId,
      seen
        ? {
            subscriptionId: scope.subscriptionId,
            dayFrom: seen.dayFrom === null || scope.dayFrom === null ? null : min(seen.dayFrom, scope.dayFrom),
            dayTo: seen.dayTo === null || scope.dayTo === null ? null : max(seen.dayTo, scope.dayTo),
          }
        : scope,
    );
  }
  return [...merged.values()];
}

/**
 * Scopes widened to whole billing periods: costs are cumulative within a period, so a day's
 * change needs the period's earlier days, and a change early in a period (a higher tier reached
 * sooner) moves its later days too. Period starts come from staging (a day that is its period's
 * first day).
 */
export async function widenToBillingPeriods(db: Db, scopes: readonly SubscriptionScope[]): Promise<SubscriptionScope[]> {
  const bounded = scopes.filter((scope) => scope.dayFrom !== null || scope.dayTo !== null);
  const starts = new Map<string, string[]>();
  for (let i = 0; i < bounded.length; i += 500) {
    const ids = bounded.slice(i, i + 500).map((scope) => scope.subscriptionId);
    const rows = await db
      .selectFrom('raw_subscription_cost_days_latest')
      .select(['subscription_id', 'day'])
      .where('subscription_id', 'in', ids)
      .whereRef('day', '=', 'period_first_day')
      .orderBy('day')
      .execute();
    for (const row of rows) starts.set(row.subscription_id, [...(starts.get(row.subscription_id) ?? []), row.day]);
  }
  return scopes.map((scope) => {
    const periodStarts = starts.get(scope.subscriptionId) ?? [];
    // No period start staged at or before dayFrom (a start date inside a period): read from the first staged day.
    const dayFrom = scope.dayFrom === null ? null : (periodStarts.filter((day) => day <= scope.dayFrom!).at(-1) ?? null);
    const dayTo = scope.dayTo === null ? null : (periodStarts.find((day) => day >= scope.dayTo!) ?? null);
    return { subscriptionId: scope.subscriptionId, dayFrom, dayTo };
  });
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}
