import { sql } from 'kysely';
import type { Db } from '../destinations/destination.js';
import { buildFacts, insertRestatement, type BuildHooks, type NewRestatement } from '../models/build-facts.js';
import { widenToBillingPeriods } from '../models/scopes.js';
import { STREAMS } from '../streams/index.js';
import type { Stream, StreamContext } from '../streams/stream.js';
import { canonicalDecimal, compare, parseDecimal } from '../util/decimal.js';
import { addDays, dayEndingAt, localDate } from '../util/time-zone.js';
import { runStream } from './run-stream.js';
import { tallyBuild } from './run-summary.js';

export interface RestatementOutcome {
  readonly restatementId: string;
  readonly trigger: string;
  readonly subscriptions: number;
  /** Σ fct_daily_costs.total over the scope, per currency, before and after. */
  readonly totals: ReadonlyArray<{ currency: string; before: string; after: string }>;
}

/**
 * A pending restatement for every backfill transition to reflected or reverted not restated yet:
 * seen between two of its versions, or a backfill first seen already there though created after
 * orb-sync started watching backfills (it moved between two syncs; older ones are history the
 * first sync read as it is). Its scope: the backfill's
 * customer's subscriptions (every one for an account-wide backfill), each over the customer-local
 * days of the backfill's timeframe. A pending backfill triggers nothing.
 */
export async function requestBackfillRestatements(ctx: StreamContext): Promise<string[]> {
  const { db } = ctx.destination;
  await watchingBackfillsSince(ctx);
  const done = new Set(
    (await db.selectFrom('restatements').select(['backfill_id', 'reason']).where('trigger', '=', 'backfill').execute()).map((r) => `${r.backfill_id} ${r.reason}`),
  );
  const transitions = (await backfillTransitions(db)).filter((t) => !done.has(`${t.backfill_id} ${t.status}`));
  if (transitions.length === 0) return [];
  const subscriptions = await db.selectFrom('raw_subscriptions_latest').select(['subscription_id', 'customer_id', 'customer_timezone', 'start_date', 'end_date']).execute();
  const ids: string[] = [];
  for (const backfill of transitions) {
    const key = `${backfill.backfill_id} ${backfill.status}`;
    if (done.has(key)) continue; // moved there twice: one restatement rebuilds it
    done.add(key);
    const from = new Date(backfill.timeframe_start);
    const to = new Date(backfill.timeframe_end);
    const scopes = subscriptions
      .filter((s) => (backfill.customer_id === null || s.customer_id === backfill.customer_id) && new Date(s.start_date) < to && (s.end_date === null || new Date(s.end_date) > from))
      .map((s) => ({
        subscription_id: s.subscription_id,
        day_from: localDate(from, s.customer_timezone),
        day_to: addDays(dayEndingAt(to, s.customer_timezone), 1),
      }));
    ids.push(await requestRestatement(ctx, { trigger: 'backfill', backfillId: backfill.backfill_id, reason: backfill.status, scopes }));
    ctx.log.info({ backfill: backfill.backfill_id, status: backfill.status, subscriptions: scopes.length }, 'backfill restatement requested');
  }
  return ids;
}

const WATCHING_SINCE = 'watching-since';

export interface BackfillTransition {
  readonly backfill_id: string;
  readonly status: string;
  readonly customer_id: string | null;
  readonly timeframe_start: string;
  readonly timeframe_end: string;
  readonly extracted_at: string;
}

/**
 * Every backfill transition to reflected or reverted orb-sync has seen (the rule above), oldest
 * first, whether restated or not. Reads only (status shows them too).
 */
export async function backfillTransitions(db: Db): Promise<BackfillTransition[]> {
  const versions = await db
    .selectFrom('raw_backfills')
    .select(['backfill_id', 'status', 'customer_id', 'timeframe_start', 'timeframe_end', 'created_at', 'extracted_at'])
    .orderBy('load_id')
    .execute();
  const watchedSince = (
    await db.selectFrom('sync_state').select('cursor_value').where('stream', '=', 'backfills').where('partition_key', '=', WATCHING_SINCE).executeTakeFirst()
  )?.cursor_value;
  const previous = new Map<string, string>();
  const transitions: BackfillTransition[] = [];
  for (const v of versions) {
    const before = previous.get(v.backfill_id);
    previous.set(v.backfill_id, v.status);
    const moved = before === undefined ? watchedSince !== undefined && new Date(v.created_at) >= new Date(watchedSince) : before !== v.status;
    if (moved && (v.status === 'reflected' || v.status === 'reverted')) transitions.push(v);
  }
  return transitions;
}

/** When (Orb's clock) orb-sync first looked at this destination's backfills; recorded on the first call. */
async function watchingBackfillsSince(ctx: StreamContext): Promise<string> {
  const key = { stream: 'backfills', partition_key: WATCHING_SINCE };
  const stored = await ctx.destination.db
    .selectFrom('sync_state')
    .select('cursor_value')
    .where('stream', '=', key.stream)
    .where('partition_key', '=', key.partition_key)
    .executeTakeFirst();
  if (stored) return stored.cursor_value;
  // What Orb last said, not extrapolated: a backfill Orb creates after this answer is newer.
  const now = (ctx.api.lastOrbDate ?? ctx.api.now()).toISOString();
  await ctx.destination.db.insertInto('sync_state').values({ ...key, cursor_value: now, run_id: ctx.runId, updated_at: new Date() }).execute();
  return now;
}

/** A full refresh: the streams' cursors are forgotten, so they read again from the start date. */
export async function forgetCursors(ctx: StreamContext, streams: readonly Stream[]): Promise<void> {
  await ctx.destination.db
    .deleteFrom('sync_state')
    .where('stream', 'in', streams.map((s) => s.name))
    .where('partition_key', '<>', WATCHING_SINCE)
    .execute();
}

/**
 * Build hooks that record a build of every fact as a restatement (trigger manual) with the
 * totals of all facts before and after, per currency, and its subscriptions' days.
 */
export function recordAsRestatement(ctx: StreamContext, reason: string): BuildHooks {
  let before = new Map<string, string>();
  const totals = async (db: Db) => {
    const { rows } = await sql<{ currency: string; total: string }>`select currency, sum(total) as total from fct_daily_costs group by currency`.execute(db);
    return new Map(rows.map((row) => [row.currency, canonicalDecimal(row.total)]));
  };
  return {
    before: async (db) => {
      before = await totals(db);
    },
    after: async (db) => {
      const after = await totals(db);
      const { rows: scopes } = await sql<{ subscription_id: string; day_from: string; day_to: string }>`
        select subscription_id, min(day) as day_from, max(day) + 1 as day_to from fct_daily_subscription_costs group by subscription_id`.execute(db);
      const id = await insertRestatement(db, { trigger: 'manual', reason, scopes, runId: ctx.runId });
      const currencies = [...new Set([...before.keys(), ...after.keys()])];
      if (currencies.length > 0) {
        await db
          .insertInto('restatement_totals')
          .values(currencies.map((currency) => ({ restatement_id: id, currency, total_before: before.get(currency) ?? '0', total_after: after.get(currency) ?? '0' })))
          .execute();
      }
      await db.updateTable('restatements').set({ status: 'done', finished_at: new Date() }).where('restatement_id', '=', id).execute();
      ctx.tally.restatements.push({ id, trigger: 'manual', totals: currencies.map((c) => ({ currency: c, before: before.get(c) ?? '0', after: after.get(c) ?? '0' })) });
    },
  };
}

/** Writes a pending restatement: committed before any work, so a crash leaves it to be completed. */
export function requestRestatement(ctx: StreamContext, restatement: Omit<NewRestatement, 'runId'>): Promise<string> {
  return ctx.destination.transaction(({ db }) => insertRestatement(db, { ...restatement, runId: ctx.runId }));
}

/**
 * Completes every pending restatement, oldest first: re-reads its subscriptions' costs from the
 * start of the billing period holding its first day (a day Orb no longer returns gets a deleted
 * version), then rebuilds exactly its scope, widened to whole billing periods, in one transaction
 * that also records the totals before and after and marks it done. Rerunning one changes nothing.
 */
export async function completeRestatements(ctx: StreamContext): Promise<RestatementOutcome[]> {
  const outcomes: RestatementOutcome[] = [];
  const pending = await ctx.destination.db
    .selectFrom('restatements')
    .select(['restatement_id', 'trigger', 'backfill_id'])
    .where('status', '=', 'pending')
    .orderBy('restatement_id')
    .execute();
  for (const { restatement_id: id, trigger, backfill_id: backfillId } of pending) {
    ctx.signal?.throwIfAborted();
    const scope = await ctx.destination.db.selectFrom('restatement_scope').select(['subscription_id', 'day_from', 'day_to']).where('restatement_id', '=', id).execute();
    const requested = scope.map((s) => ({ subscriptionId: s.subscription_id, dayFrom: s.day_from, dayTo: s.day_to }));
    const widened = await widenToBillingPeriods(ctx.destination.db, requested);
    const reread = new Map(widened.map((s, i) => [s.subscriptionId, { dayFrom: s.dayFrom, dayTo: requested[i]!.dayTo! }]));
    ctx.log.info({ restatement: id, trigger, subscriptions: scope.length }, 'restating');
    // A backfill changed events: the hourly volume of its timeframe too.
    const backfill = backfillId
      ? await ctx.destination.db.selectFrom('raw_backfills_latest').select(['timeframe_start', 'timeframe_end']).where('backfill_id', '=', backfillId).executeTakeFirst()
      : undefined;
    const rereadHours = backfill ? { from: new Date(backfill.timeframe_start), to: new Date(backfill.timeframe_end) } : undefined;
    for (const stream of STREAMS.filter((s) => s.kind === 'partitioned' && s.restates)) await runStream({ ...ctx, reread, rereadHours }, stream);

    let before: Map<string, string> = new Map();
    let totals: RestatementOutcome['totals'] = [];
    await tallyBuild(ctx.tally, () => buildFacts(ctx.destination, requested, {
      runId: ctx.runId,
      hooks: {
        before: async (db) => {
          before = await scopeTotals(db, id);
        },
        after: async (db) => {
          const after = await scopeTotals(db, id);
          totals = [...new Set([...before.keys(), ...after.keys()])].sort().map((currency) => ({
            currency,
            before: before.get(currency) ?? '0',
            after: after.get(currency) ?? '0',
          }));
          if (totals.length > 0) {
            await db
              .insertInto('restatement_totals')
              .values(totals.map((t) => ({ restatement_id: id, currency: t.currency, total_before: t.before, total_after: t.after })))
              .execute();
          }
          await db.updateTable('restatements').set({ status: 'done', finished_at: new Date(), run_id: ctx.runId }).where('restatement_id', '=', id).execute();
        },
      },
    }));
    const delta = totals.filter((t) => compare(parseDecimal(t.before), parseDecimal(t.after)) !== 0);
    ctx.log.info({ restatement: id, trigger, changed: delta.map((t) => `${t.currency} ${t.before} -> ${t.after}`) }, 'restatement done');
    outcomes.push({ restatementId: id, trigger, subscriptions: scope.length, totals });
    ctx.tally.restatements.push({ id, trigger, totals });
  }
  return outcomes;
}

/** Σ fct_daily_costs.total per currency over a restatement's requested scope. */
async function scopeTotals(db: Db, restatementId: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ currency: string; total: string }>`
    select f.currency, sum(f.total) as total
    from fct_daily_costs f
    join restatement_scope r on r.subscription_id = f.subscription_id and f.day >= r.day_from and f.day < r.day_to
    where r.restatement_id = ${restatementId}
    group by f.currency`.execute(db);
  return new Map(rows.map((row) => [row.currency, canonicalDecimal(row.total)]));
}
