import { CompiledQuery, sql } from 'kysely';
import type { Db, Destination } from '../destinations/destination.js';
import type { SqlValue } from '../destinations/normalize.js';
import { UserError } from '../errors.js';
import { FACT_TABLES } from '../schema/facts.js';
import { columnKind, type FactTable } from '../schema/table.js';
import { add, compare, formatDecimal, parseDecimal } from '../util/decimal.js';
import { addDays } from '../util/time-zone.js';
import { loadModels, type Model } from './build-models.js';
import { changedScopes, mergeScopes, widenToBillingPeriods, type BuildScope, type SubscriptionScope } from './scopes.js';

/** Steps a caller adds to a build's transaction (a restatement records its totals there). */
export interface BuildHooks {
  /** build_scope is filled, the facts are not touched yet. */
  before?(db: Db): Promise<void>;
  /** The facts are rebuilt and audited. */
  after?(db: Db): Promise<void>;
}

export interface BuildResult {
  /** Rows inserted per fact table. */
  readonly rows: Record<string, number>;
  /** Subscriptions whose facts were rebuilt ('all' for a full build). */
  readonly subscriptions: number | 'all';
  /** The restatement recorded because re-read days changed facts already built, if any. */
  readonly lookbackRestatement?: string;
}

/**
 * A scoped fact's row is in the build when its subscription's scope (build_scope `b`, one row per
 * subscription) holds its day. A join on the subscription, not a correlated EXISTS: DuckDB runs
 * that as a join to every distinct (subscription, day) of the fact table, a hash table the size
 * of the facts (a full build of 10,000 subscriptions × 365 days ran out of a 64MB limit there).
 * The scope's first day repeated as scope_first_day() lets the history before it be skipped
 * (PostgreSQL: by the facts' index on day).
 */
function inScope(table: string): string {
  return `b.subscription_id = ${table}.subscription_id and (b.day_from is null or ${table}.day >= b.day_from)
    and (b.day_to is null or ${table}.day < b.day_to) and ${table}.day >= scope_first_day()`;
}

/**
 * Rebuilds the facts in ONE transaction: exactly the scope (the given scopes plus whatever staging
 * changed since the last build, widened to whole billing periods; or everything) is deleted from
 * each scoped fact and inserted again from the models, audits run, and the staging watermark
 * moves. A failure or a crash anywhere leaves the old facts and the old watermark.
 */
export async function buildFacts(
  destination: Destination,
  scope: BuildScope,
  {
    hooks = {},
    recordLookback = false,
    runId,
    models = loadModels(),
    chunkDays = destination.fullBuildChunkDays,
  }: { hooks?: BuildHooks; recordLookback?: boolean; runId?: string; models?: Model[]; chunkDays?: number } = {},
): Promise<BuildResult> {
  return destination.modelBuildTransaction(async ({ db }) => {
    // Everything loaded before this id is in this build (one writer: the sync lock).
    const watermark = String((await sql<{ id: string }>`select nextval('load_ids') as id`.execute(db)).rows[0]!.id);
    const state = await db.selectFrom('model_build_state').select('built_through_load_id').where('id', '=', 1).executeTakeFirst();
    const full = scope === 'all' || state === undefined;
    const tables = models.filter((m) => m.materialized === 'table');
    const scoped = tables.filter((m) => m.scoped);
    const rows: Record<string, number> = Object.fromEntries(tables.map((m) => [m.name, 0]));
    const insert = async (model: Model) => {
      const { columns, grain } = factTable(model.name);
      const names = Object.keys(columns).join(', ');
      const order = destination.factsIndexedByDay ? ` order by ${grain[0]}` : '';
      const result = await run(db, `insert into ${model.name} (${names}) select ${names} from (${model.select}) model${order}`);
      rows[model.name]! += Number(result.numAffectedRows ?? 0);
    };
    let lookbackRestatement: string | undefined;
    if (full) {
      await hooks.before?.(db);
      await run(db, destination.scopeFirstDayStatement(WHOLE_HISTORY));
      for (const model of tables) await destination.emptyTable(db, model.name);
      // Each chunk is whole subscriptions (a scoped fact's grain holds its subscription), so its
      // audits see all of each one's rows, and the scoped views read only its staging.
      const chunks = await subscriptionChunks(db, chunkDays);
      for (const chunk of chunks) {
        await fillBuildScope(db, chunk.map((subscriptionId) => ({ subscriptionId, dayFrom: null, dayTo: null })));
        for (const model of scoped) await insert(model);
        // One chunk holds every subscription: its grain audits read the tables whole, without the join to build_scope.
        await audit(db, destination, scoped, chunks.length > 1);
      }
    } else {
      await fillBuildScope(db, await widenToBillingPeriods(db, mergeScopes([...scope, ...(await changedScopes(db, state.built_through_load_id))])));
      await run(db, destination.scopeFirstDayStatement(await firstScopedDay(db)));
      if (recordLookback) await fillBuiltThroughDay(db);
      const before = recordLookback ? await lookbackTotals(db) : [];
      await hooks.before?.(db);
      for (const model of scoped) {
        await run(db, `delete from ${model.name} using build_scope b where ${inScope(model.name)}`);
        await insert(model);
      }
      await audit(db, destination, scoped, true);
      if (recordLookback) lookbackRestatement = await recordLookbackRestatement(db, before, runId);
    }
    // The facts that are not per subscription (event volume, reconciliation) are rebuilt whole.
    for (const model of tables.filter((m) => !m.scoped)) {
      if (!full) await run(db, `delete from ${model.name}`);
      await insert(model);
      await auditGrain(db, destination, model, false);
    }
    await hooks.after?.(db);

    const subscriptions = full ? 'all' : Number((await sql<{ n: string }>`select count(*) as n from build_scope`.execute(db)).rows[0]!.n);
    await db.deleteFrom('build_scope').execute();
    await db
      .insertInto('model_build_state')
      .values({ id: 1, built_through_load_id: watermark, built_at: new Date() })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({ built_through_load_id: eb.ref('excluded.built_through_load_id'), built_at: eb.ref('excluded.built_at') })),
      )
      .execute();
    return { rows, subscriptions, lookbackRestatement };
  });
}

/**
 * Every subscription, in chunks of whole subscriptions of about `chunkDays` staged cost days each
 * (the versions staged: what the scoped views read).
 */
async function subscriptionChunks(db: Db, chunkDays: number): Promise<string[][]> {
  const { rows } = await sql<{ subscription_id: string; days: string }>`
    select s.subscription_id, coalesce(d.days, 0) as days
    from (select distinct subscription_id from raw_subscriptions) s
    left join (select subscription_id, count(*) as days from raw_subscription_cost_days group by subscription_id) d on d.subscription_id = s.subscription_id
    order by s.subscription_id`.execute(db);
  const chunks: string[][] = [[]];
  let days = 0;
  for (const row of rows) {
    if (days > 0 && days + Number(row.days) > chunkDays) {
      chunks.push([]);
      days = 0;
    }
    chunks.at(-1)!.push(row.subscription_id);
    days += Number(row.days);
  }
  return chunks;
}

async function fillBuildScope(db: Db, scopes: readonly SubscriptionScope[]): Promise<void> {
  await db.deleteFrom('build_scope').execute();
  for (let i = 0; i < scopes.length; i += 500) {
    const batch = scopes.slice(i, i + 500).map((s) => ({ subscription_id: s.subscriptionId, day_from: s.dayFrom, day_to: s.dayTo }));
    await db.insertInto('build_scope').values(batch).execute();
  }
}

/** scope_first_day() of a build that has a subscription rebuilt whole. */
const WHOLE_HISTORY = '0001-01-01';

/**
 * A scoped build's first day, what scope_first_day() returns to its views and its queries over the
 * facts: the earliest day_from, or WHOLE_HISTORY when a subscription is rebuilt whole (has none).
 */
async function firstScopedDay(db: Db): Promise<string> {
  const { rows } = await sql<{ day_from: string | null; open: string }>`
    select min(day_from) as day_from, count(*) - count(day_from) as open from build_scope`.execute(db);
  const { day_from: day, open } = rows[0]!;
  if (day === null || Number(open) > 0) return WHOLE_HISTORY;
  // The day goes into the statement's text.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`build_scope.day_from is not a date: ${day}`);
  return day;
}

/**
 * Sets build_scope.built_through_day, each subscription's last day in the facts, for the lookback
 * totals. One aggregate joined in, not a subquery per subscription: PostgreSQL runs that as a
 * scan of the facts per row. Days before the build's first day are left out: a subscription whose
 * facts end there has no day in its scope to compare, with or without a built_through_day.
 */
async function fillBuiltThroughDay(db: Db): Promise<void> {
  await run(
    db,
    `update build_scope set built_through_day = f.last_day
    from (select subscription_id, max(day) as last_day from fct_daily_subscription_costs where day >= scope_first_day() group by subscription_id) f
    where f.subscription_id = build_scope.subscription_id`,
  );
}

/**
 * The scoped facts' audits; any finding rolls the whole build back. Each fact table has one row per
 * its grain (no key enforces it: see FactTable), checked over what this build wrote: a scoped
 * model's scope (its grain holds day and subscription, so new rows cannot collide with the rest).
 * And for each subscription and billing period of the scope whose days are all in the facts,
 * Σ daily total equals Orb's cumulative total at the period's last synced day, to the last decimal.
 */
async function audit(db: Db, destination: Destination, models: Model[], scoped: boolean): Promise<void> {
  for (const model of models) await auditGrain(db, destination, model, scoped);

  // stg_subscription_cost_totals holds the scope's days (whole billing periods), read once, each
  // with its facts' day (an equi-join, before the window: the window's order by period then serves
  // the grouping too, one sort instead of two). A period's days all made it into the facts
  // (int_subscription_cost_days: each complete, none before the start date) when its first day is
  // the period's first and no day is missing. No duplicate day: the grain audit passed.
  const { rows } = await run(
    db,
    `select subscription_id, period_start, cumulative_total, total from (
      select subscription_id, period_start, min(day) as first_day, max(day) as last_day, count(*) as days,
        min(case when day = period_first_day then day end) as opening_day,
        sum(case when before_start_date then 1 else 0 end) as before_start,
        sum(case when day = last_day then cumulative_total end) as cumulative_total,
        sum(total) as total
      from (
        select d.subscription_id, d.period_start, d.day, d.period_first_day, d.before_start_date, d.cumulative_total, f.total,
          max(d.day) over (partition by d.subscription_id, d.period_start) as last_day
        from stg_subscription_cost_totals d
        left join fct_daily_subscription_costs f on f.subscription_id = d.subscription_id and f.day = d.day and f.day >= scope_first_day()
      ) d
      group by subscription_id, period_start
    ) p
    where opening_day = first_day and last_day - first_day + 1 = days and before_start = 0
      and (total is null or total <> cumulative_total)
    limit 1`,
  );
  const finding = rows[0];
  if (finding) {
    throw new UserError(
      `audit failed, facts not changed: subscription ${finding.subscription_id}, billing period from ${finding.period_start}: ` +
        `daily totals add up to ${finding.total ?? 'nothing'}, Orb's cumulative total is ${finding.cumulative_total}`,
    );
  }
}

/** One row per grain among the model's rows, those in the build's scope (`scoped`) or all of them. */
async function auditGrain(db: Db, destination: Destination, model: Model, scoped: boolean): Promise<void> {
  const { grain, columns: specs } = factTable(model.name);
  const rows = scoped ? `${model.name} join build_scope b on ${inScope(model.name)}` : model.name;
  // First the grain hashed to one integer per row: counting distinct integers is a fraction of
  // grouping the grain's text (PostgreSQL, 95,000 rows of fct_daily_costs: 24-39 ms against
  // 102). Equal grains hash alike, so every duplicate shows here; a collision costs only the
  // exact pass below, which decides.
  const hash = destination.rowHash(grain.map((column) => `${model.name}.${column}`));
  const { rows: counted } = await run(db, `select count(*) - count(distinct ${hash}) as suspects from ${rows}`);
  if (Number(counted[0]!.suspects) === 0) return;
  // Text grouped by its bytes: under a database's collation (deterministic, as a default must be)
  // equal is equal bytes, and grouping by C.UTF-8's rules doubled PostgreSQL's audit of
  // fct_daily_costs (125 → 63 ms at 95,000 rows). DuckDB compares bytes anyway.
  const columns = grain.map((column) => `${model.name}.${column}${columnKind(specs[column]!) === 'text' ? ' collate "C"' : ''}`).join(', ');
  const { rows: duplicates } = await run(db, `select ${columns}, count(*) as n from ${rows} group by ${columns} having count(*) > 1 order by ${columns} limit 1`);
  const duplicate = duplicates[0];
  if (duplicate) {
    const { n, ...key } = duplicate;
    throw new UserError(`audit failed, facts not changed: ${model.name} has ${n} rows for (${grain.join(', ')}) = (${Object.values(key).join(', ')})`);
  }
}

interface SubscriptionTotal {
  subscription_id: string;
  currency: string;
  total: string;
  /** The first of the days summed, and the last the facts held before the build. */
  first_day: string;
  built_through_day: string;
}

/** Σ total per subscription and currency over the days of its scope it had in the facts before the build. */
async function lookbackTotals(db: Db): Promise<SubscriptionTotal[]> {
  const { rows } = await sql<SubscriptionTotal>`
    select f.subscription_id, f.currency, sum(f.total) as total, min(f.day) as first_day, b.built_through_day
    from fct_daily_costs f join build_scope b on b.subscription_id = f.subscription_id
    where f.day <= b.built_through_day and (b.day_from is null or f.day >= b.day_from) and f.day >= scope_first_day()
    group by f.subscription_id, f.currency, b.built_through_day`.execute(db);
  return rows;
}

/**
 * A build that changed days already in the facts (Orb changed them inside the re-read window:
 * late events, a correction) is a restatement of trigger `lookback`, recorded with its totals.
 */
async function recordLookbackRestatement(db: Db, before: SubscriptionTotal[], runId: string | undefined): Promise<string | undefined> {
  const after = await lookbackTotals(db);
  const key = (t: SubscriptionTotal) => `${t.subscription_id}\u0000${t.currency}`;
  const beforeByKey = new Map(before.map((t) => [key(t), t.total]));
  const afterByKey = new Map(after.map((t) => [key(t), t.total]));
  const changed = new Set(
    [...new Set([...beforeByKey.keys(), ...afterByKey.keys()])].filter((k) => !sameDecimal(beforeByKey.get(k), afterByKey.get(k))).map((k) => k.split('\u0000')[0]!),
  );
  if (changed.size === 0) return undefined;
  // Each changed subscription's scope: the days summed after the build, over all its currencies.
  const scopes = new Map<string, { subscription_id: string; day_from: string; day_to: string }>();
  for (const t of after.filter((s) => changed.has(s.subscription_id))) {
    const seen = scopes.get(t.subscription_id);
    scopes.set(t.subscription_id, { subscription_id: t.subscription_id, day_from: seen && seen.day_from < t.first_day ? seen.day_from : t.first_day, day_to: addDays(t.built_through_day, 1) });
  }
  const id = await insertRestatement(db, { trigger: 'lookback', scopes: [...scopes.values()], runId });
  const totals = new Map<string, { before: string; after: string }>();
  for (const [subscriptions, side] of [[before, 'before'], [after, 'after']] as const) {
    for (const t of subscriptions.filter((s) => changed.has(s.subscription_id))) {
      const entry = totals.get(t.currency) ?? { before: '0', after: '0' };
      entry[side] = addDecimalStrings(entry[side], t.total);
      totals.set(t.currency, entry);
    }
  }
  await db.insertInto('restatement_totals').values([...totals].map(([currency, t]) => ({ restatement_id: id, currency, total_before: t.before, total_after: t.after }))).execute();
  await db.updateTable('restatements').set({ status: 'done', finished_at: new Date() }).where('restatement_id', '=', id).execute();
  return id;
}

export interface NewRestatement {
  trigger: 'backfill' | 'lookback' | 'manual';
  backfillId?: string | null;
  reason?: string | null;
  scopes: ReadonlyArray<{ subscription_id: string; day_from: string; day_to: string }>;
  runId?: string;
}

/** Writes a pending restatement and its scope; its day_from / day_to span its subscriptions' days. */
export async function insertRestatement(db: Db, restatement: NewRestatement): Promise<string> {
  const days = restatement.scopes.flatMap((s) => [s.day_from, s.day_to]).sort();
  const { restatement_id: id } = await db
    .insertInto('restatements')
    .values({
      restatement_id: sql`nextval('restatement_ids')`,
      trigger: restatement.trigger,
      backfill_id: restatement.backfillId ?? null,
      reason: restatement.reason ?? null,
      day_from: days[0] ?? null,
      day_to: days.at(-1) ?? null,
      status: 'pending',
      requested_at: new Date(),
      run_id: restatement.runId ?? null,
    })
    .returning('restatement_id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < restatement.scopes.length; i += 500) {
    await db.insertInto('restatement_scope').values(restatement.scopes.slice(i, i + 500).map((s) => ({ restatement_id: id, ...s }))).execute();
  }
  return id;
}

/** A table model's declaration: its columns (the DDL in sql/ matches them: test/schema) and grain. */
function factTable(model: string): FactTable {
  const table = FACT_TABLES.find((t) => t.name === model);
  if (!table) throw new Error(`model ${model} has no declared fact table: add it to src/schema/facts.ts and its DDL under sql/`);
  return table;
}

function sameDecimal(a: string | undefined, b: string | undefined): boolean {
  return compare(parseDecimal(a ?? '0'), parseDecimal(b ?? '0')) === 0;
}

function addDecimalStrings(a: string, b: string): string {
  return formatDecimal(add(parseDecimal(a), parseDecimal(b)));
}

function run(db: Db, text: string) {
  return db.executeQuery<Record<string, SqlValue>>(CompiledQuery.raw(text));
}
