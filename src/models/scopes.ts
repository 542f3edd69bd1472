import { sql } from 'kysely';
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
 * The columns of a subscription that its facts carry on every day of its history (dim_subscriptions:
 * the ids, the currency, the plan of days no schedule covers) or that place every day (the
 * customer's time zone: days are customer-local). A new version changing one of them rebuilds the
 * subscription's whole history; one changing only others (Orb moving the billing period on, a
 * status) changes no past fact. The facts read nothing from raw_customers: a subscription carries
 * its customer's ids and time zone.
 */
const HISTORY_COLUMNS = ['customer_id', 'external_customer_id', 'plan_id', 'currency', 'customer_timezone'] as const;

/**
 * The scopes staging changed since `sinceLoadId`: the days whose cost versions changed (and the
 * day after each, whose change from it moved), the days whose usage changed, and the whole history
 * of a subscription that is new, whose HISTORY_COLUMNS changed, or whose schedule changed (it
 * sets the plan of every day).
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
  const changed = HISTORY_COLUMNS.map((column) => `(lag(${column}) over versions) is distinct from ${column}`).join(' or ');
  const { rows: subscriptions } = await sql<{ subscription_id: string }>`
    select subscription_id from (
      select subscription_id, load_id, lag(load_id) over versions as previous_load_id, ${sql.raw(changed)} as changed
      from raw_subscriptions
      where subscription_id in (select subscription_id from raw_subscriptions where load_id > ${sinceLoadId})
      window versions as (partition by subscription_id order by load_id)
    ) v
    where load_id > ${sinceLoadId} and (previous_load_id is null or changed)`.execute(db);
  const schedules = await db.selectFrom('raw_subscription_schedules').select('subscription_id').where('load_id', '>', sinceLoadId).execute();
  return mergeScopes([
    ...costDays.map((row) => ({ subscriptionId: row.subscription_id, dayFrom: row.day_from, dayTo: addDays(row.day_max, 2) })),
    // Usage is periodic: a changed day moves only itself.
    ...usageDays.map((row) => ({ subscriptionId: row.subscription_id, dayFrom: row.day_from, dayTo: addDays(row.day_max, 1) })),
    ...[...subscriptions, ...schedules].map((row) => ({ subscriptionId: row.subscription_id, dayFrom: null, dayTo: null })),
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
 * sooner) moves its later days too. A scope starts at the first day of the period holding its
 * first day, which that day's latest version names, and ends at the next period start staged (a
 * day that is its period's first day). Only days from the scopes' first days on are read, not
 * each subscription's history, unless a first day names no period (not read, or deleted): then
 * the last period start staged before it (none: the whole history).
 */
export async function widenToBillingPeriods(db: Db, scopes: readonly SubscriptionScope[]): Promise<SubscriptionScope[]> {
  const bounded = scopes.filter((scope) => scope.dayFrom !== null || scope.dayTo !== null);
  const recent = await stagedPeriods(db, bounded, (scope) => scope.dayFrom ?? scope.dayTo);
  const unknown = bounded.filter((scope) => scope.dayFrom !== null && !recent.periodOf.has(dayKey(scope.subscriptionId, scope.dayFrom)));
  const earlier = await stagedPeriods(db, unknown, () => null);
  return scopes.map((scope) => {
    const starts = [...(earlier.starts.get(scope.subscriptionId) ?? []), ...(recent.starts.get(scope.subscriptionId) ?? [])];
    const dayFrom =
      scope.dayFrom === null ? null : (recent.periodOf.get(dayKey(scope.subscriptionId, scope.dayFrom)) ?? starts.filter((day) => day <= scope.dayFrom!).at(-1) ?? null);
    const dayTo = scope.dayTo === null ? null : (starts.find((day) => day >= scope.dayTo!) ?? null);
    return { subscriptionId: scope.subscriptionId, dayFrom, dayTo };
  });
}

/**
 * From the latest version of each staged cost day of the scopes' subscriptions, from the earliest
 * `from` of a batch (null: all of history): the period starts in day order, and the period of
 * each scope's first day.
 */
async function stagedPeriods(db: Db, scopes: readonly SubscriptionScope[], from: (scope: SubscriptionScope) => string | null) {
  const starts = new Map<string, string[]>();
  const periodOf = new Map<string, string>();
  for (let i = 0; i < scopes.length; i += 500) {
    const batch = scopes.slice(i, i + 500);
    const froms = batch.map(from);
    const firstDays = [...new Set(batch.flatMap((scope) => (scope.dayFrom === null ? [] : [scope.dayFrom])))];
    const rows = await db
      .selectFrom('raw_subscription_cost_days as d')
      .select(['d.subscription_id', 'd.day', 'd.period_first_day'])
      .where('d.subscription_id', 'in', batch.map((scope) => scope.subscriptionId))
      .$if(!froms.includes(null), (qb) => qb.where('d.day', '>=', (froms as string[]).reduce(min)))
      .where((eb) => eb.or([eb('d.day', '=', eb.ref('d.period_first_day')), ...(firstDays.length > 0 ? [eb('d.day', 'in', firstDays)] : [])]))
      // Its day's latest version only (a later read may have moved or deleted that day).
      .where('d.load_id', '=', (eb) =>
        eb.selectFrom('raw_subscription_cost_days as v').select((v) => v.fn.max('v.load_id').as('load_id')).whereRef('v.subscription_id', '=', 'd.subscription_id').whereRef('v.day', '=', 'd.day'),
      )
      .orderBy('d.day')
      .execute();
    for (const row of rows) {
      if (row.period_first_day !== null) periodOf.set(dayKey(row.subscription_id, row.day), row.period_first_day);
      if (row.day === row.period_first_day) starts.set(row.subscription_id, [...(starts.get(row.subscription_id) ?? []), row.day]);
    }
  }
  return { starts, periodOf };
}

function dayKey(subscriptionId: string, day: string): string {
  return `${subscriptionId}\u0000${day}`;
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(a: string, b: string): string {
  return a > b ? a : b;
}
