import { describeDestination, type DestinationTarget } from '../config.js';
import type { Db, Engine } from '../destinations/destination.js';
import { listMigrations } from '../destinations/migrate.js';
import { FACT_TABLES } from '../schema/facts.js';
import { STAGING_TABLES } from '../schema/staging.js';
import { STREAMS } from '../streams/index.js';
import { backfillTransitions } from '../sync/restatements.js';
import type { RunSummary } from '../sync/run-summary.js';
import { openForReading, type ReadOnlyDestination } from './read-only-destination.js';

/**
 * What `orb-sync status` reports, and its --json document (README: "Checking on it"). Keys are
 * always present; a section is null when it could not be read (see `state`).
 */
export interface DestinationStatus {
  readonly destination: string;
  readonly schema: string;
  readonly engine: Engine;
  readonly checkedAt: string;
  /**
   * ready: read. untouched: no sync has run here (nothing was created by looking). locked: a sync
   * holds the DuckDB file, which no other process can open meanwhile. outdated: an older orb-sync
   * migrated it; the next sync applies `pendingMigrations`.
   */
  readonly state: 'ready' | 'untouched' | 'locked' | 'outdated';
  /** A sync holds the destination's lock now. */
  readonly syncRunning: boolean;
  readonly pendingMigrations: readonly string[];
  readonly streams: readonly StreamStatus[] | null;
  /** The latest runs, newest first. */
  readonly runs: readonly RunStatus[] | null;
  /** Rows (every version) per staging table. */
  readonly staging: ReadonlyArray<{ readonly table: string; readonly rows: number }> | null;
  readonly backfills: BackfillsStatus | null;
  readonly restatementsPending: readonly PendingRestatement[] | null;
  readonly facts: FactsStatus | null;
}

export interface StreamStatus {
  readonly stream: string;
  readonly kind: 'list' | 'partitioned';
  /** The latest sync that ran this stream and succeeded. */
  readonly lastSuccess: { readonly runId: number; readonly finishedAt: string } | null;
  /** When a cursor of this stream last moved. */
  readonly cursorUpdatedAt: string | null;
  /** List streams: each cursor as stored, by partition ("*" is the list's own cursor). */
  readonly cursors: Readonly<Record<string, string>> | null;
  /** Partitioned streams: how many partitions have a cursor, and the oldest and newest watermark end among them. */
  readonly partitions: { readonly count: number; readonly oldest: string | null; readonly newest: string | null } | null;
  /** Rejects since the stream's last success: their partitions are read again by the next sync. */
  readonly rejectsPending: number;
  readonly latestReject: { readonly runId: number; readonly partition: string; readonly reason: string; readonly rejectedAt: string } | null;
}

export interface RunStatus {
  readonly runId: number;
  readonly command: string;
  /** As recorded, except `interrupted`: recorded as running, though no sync is running now (the process was killed). */
  readonly status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly rowsLoaded: number | null;
  /** Orb requests (retries included), from the run's summary; null until it ends. */
  readonly apiCalls: number | null;
  readonly apiCallsByEndpoint: Readonly<Record<string, number>> | null;
  readonly error: string | null;
}

export interface BackfillsStatus {
  /** Backfills Orb has not reflected or reverted yet, as last seen: nothing to restate until it does. */
  readonly pendingInOrb: ReadonlyArray<{ readonly backfillId: string; readonly status: string; readonly customerId: string | null; readonly timeframeStart: string; readonly timeframeEnd: string }>;
  /** Transitions to reflected or reverted whose restatement is not done: restatementId when requested, null when the next sync requests it. */
  readonly notRestated: ReadonlyArray<{ readonly backfillId: string; readonly status: string; readonly seenAt: string; readonly restatementId: number | null }>;
}

export interface PendingRestatement {
  readonly restatementId: number;
  readonly trigger: string;
  readonly backfillId: string | null;
  readonly reason: string | null;
  readonly dayFrom: string | null;
  readonly dayTo: string | null;
  readonly requestedAt: string;
  readonly subscriptions: number;
}

export interface FactsStatus {
  /** When the facts were last built. */
  readonly builtAt: string | null;
  /** Per fact table: rows, and the newest day (hour, check) present. */
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: number; readonly newest: string | null }>;
}

type FactTable = (typeof FACT_TABLES)[number];

/** The column whose newest value says how fresh a fact table is. */
const NEWEST_COLUMN: { readonly [T in FactTable as T['name']]: keyof T['columns'] & string } = {
  fct_daily_costs: 'day',
  fct_daily_subscription_costs: 'day',
  fct_daily_usage: 'day',
  fct_daily_usage_by_group: 'day',
  fct_hourly_event_volume: 'hour',
  fct_event_reconciliation: 'checked_at',
};

/** Reads the destination's status without writing, taking the sync lock, or waiting for it. */
export async function readStatus(target: DestinationTarget, schema: string, { runs = 10, now = new Date() } = {}): Promise<DestinationStatus> {
  const unread = { pendingMigrations: [], streams: null, runs: null, staging: null, backfills: null, restatementsPending: null, facts: null };
  const about = { destination: describeDestination(target), schema, engine: target.engine, checkedAt: now.toISOString() };
  const opened = await openForReading(target, schema);
  if (opened.kind === 'no-file') return { ...about, ...unread, state: 'untouched', syncRunning: false };
  if (opened.kind === 'locked') return { ...about, ...unread, state: 'locked', syncRunning: true };
  const { destination } = opened;
  try {
    const syncRunning = await destination.syncRunning();
    if (!(await destination.relations()).has('schema_migrations')) return { ...about, ...unread, state: 'untouched', syncRunning };
    const applied = new Set((await destination.db.selectFrom('schema_migrations').select('version').execute()).map((row) => row.version));
    const pendingMigrations = listMigrations()
      .map((migration) => migration.version)
      .filter((version) => !applied.has(version));
    if (pendingMigrations.length > 0) return { ...about, ...unread, state: 'outdated', syncRunning, pendingMigrations };
    return {
      ...about,
      state: 'ready',
      syncRunning,
      pendingMigrations,
      streams: await streamStatuses(destination),
      runs: await recentRuns(destination.db, runs, syncRunning),
      staging: await stagingRows(destination),
      backfills: await backfillsStatus(destination.db),
      restatementsPending: await pendingRestatements(destination),
      facts: await factsStatus(destination),
    };
  } finally {
    await destination.close();
  }
}

async function streamStatuses(destination: ReadOnlyDestination): Promise<StreamStatus[]> {
  const successes = await lastSuccesses(destination.db, STREAMS.map((stream) => stream.name));
  const state = await destination.db.selectFrom('sync_state').select(['stream', 'partition_key', 'cursor_value', 'updated_at']).orderBy('partition_key').execute();
  const rejectCounts = await destination.query<{ stream: string; run_id: string; rejects: string }>(
    'select stream, run_id, count(*) as rejects from rejects group by stream, run_id',
  );
  const newestRejects = await destination.query<{ stream: string; run_id: string; partition_key: string; reason: string; rejected_at: string }>(
    `select stream, run_id, partition_key, reason, rejected_at from (
       select stream, run_id, partition_key, reason, rejected_at,
         row_number() over (partition by stream order by run_id desc, rejected_at desc) as recency
       from rejects
     ) ranked where recency = 1`,
  );
  return STREAMS.map(({ name, kind }) => {
    const cursors = state.filter((row) => row.stream === name);
    const lastSuccess = successes.get(name) ?? null;
    const sinceSuccess = (runId: string) => lastSuccess === null || Number(runId) > lastSuccess.runId;
    const rejectsPending = rejectCounts.filter((row) => row.stream === name && sinceSuccess(row.run_id)).reduce((sum, row) => sum + Number(row.rejects), 0);
    const newest = newestRejects.find((row) => row.stream === name);
    const ends = cursors.map((row) => watermarkEnd(row.cursor_value)).filter((end) => end !== null).sort();
    return {
      stream: name,
      kind,
      lastSuccess,
      cursorUpdatedAt: cursors.map((row) => row.updated_at).sort().at(-1) ?? null,
      cursors: kind === 'list' ? Object.fromEntries(cursors.map((row) => [row.partition_key, row.cursor_value])) : null,
      partitions: kind === 'partitioned' ? { count: cursors.length, oldest: ends[0] ?? null, newest: ends.at(-1) ?? null } : null,
      rejectsPending,
      latestReject:
        rejectsPending > 0 && newest
          ? { runId: Number(newest.run_id), partition: newest.partition_key, reason: newest.reason, rejectedAt: newest.rejected_at }
          : null,
    };
  });
}

/** How far a watermark cursor ({ end, … }, see streams/stream.ts) reached; null for other cursors. */
function watermarkEnd(cursor: string): string | null {
  try {
    const parsed: unknown = JSON.parse(cursor);
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as { end?: unknown }).end === 'string' ? (parsed as { end: string }).end : null;
  } catch {
    return null;
  }
}

const RUNS_PER_PAGE = 100;

/**
 * Each stream's latest successful sync: the newest succeeded `sync` run whose summary timed the
 * stream (so a run limited to some streams counts only for those; a run from before summaries
 * ran them all). Read newest first, page by page, until every stream has one.
 */
async function lastSuccesses(db: Db, streams: readonly string[]): Promise<Map<string, NonNullable<StreamStatus['lastSuccess']>>> {
  const found = new Map<string, NonNullable<StreamStatus['lastSuccess']>>();
  for (let offset = 0; found.size < streams.length; offset += RUNS_PER_PAGE) {
    const page = await db
      .selectFrom('sync_runs')
      .select(['run_id', 'finished_at', 'summary'])
      .where('command', '=', 'sync')
      .where('status', '=', 'succeeded')
      .orderBy('run_id', 'desc')
      .limit(RUNS_PER_PAGE)
      .offset(offset)
      .execute();
    for (const run of page) {
      const ran = run.summary === null ? streams : Object.keys((JSON.parse(run.summary) as RunSummary).durationsMs);
      for (const stream of ran) {
        if (streams.includes(stream) && !found.has(stream)) found.set(stream, { runId: Number(run.run_id), finishedAt: run.finished_at! });
      }
    }
    if (page.length < RUNS_PER_PAGE) break;
  }
  return found;
}

async function recentRuns(db: Db, limit: number, syncRunning: boolean): Promise<RunStatus[]> {
  const rows = await db.selectFrom('sync_runs').selectAll().orderBy('run_id', 'desc').limit(limit).execute();
  return rows.map((row, index) => {
    const summary = row.summary === null ? null : (JSON.parse(row.summary) as RunSummary);
    // Only the newest run can be the one holding the lock; an older "running" one was killed.
    const live = syncRunning && index === 0;
    return {
      runId: Number(row.run_id),
      command: row.command,
      status: row.status === 'running' && !live ? 'interrupted' : (row.status as RunStatus['status']),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationMs: row.finished_at === null ? null : Date.parse(row.finished_at) - Date.parse(row.started_at),
      rowsLoaded: row.rows_loaded === null ? null : Number(row.rows_loaded),
      apiCalls: summary === null ? null : Object.values(summary.apiCalls).reduce((sum, calls) => sum + calls, 0),
      apiCallsByEndpoint: summary?.apiCalls ?? null,
      error: row.error,
    };
  });
}

async function stagingRows(destination: ReadOnlyDestination): Promise<NonNullable<DestinationStatus['staging']>> {
  const counts = await destination.query<{ table_name: string; row_count: string }>(
    STAGING_TABLES.map(({ name }) => `select '${name}' as table_name, count(*) as row_count from ${name}`).join(' union all '),
  );
  return STAGING_TABLES.map(({ name }) => ({ table: name, rows: Number(counts.find((row) => row.table_name === name)?.row_count ?? 0) }));
}

const PENDING_STATUSES = ['pending', 'pending_revert'];

async function backfillsStatus(db: Db): Promise<BackfillsStatus> {
  const latest = await db
    .selectFrom('raw_backfills_latest')
    .select(['backfill_id', 'status', 'customer_id', 'timeframe_start', 'timeframe_end'])
    .where('status', 'in', PENDING_STATUSES)
    .orderBy('backfill_id')
    .execute();
  const restatements = await db.selectFrom('restatements').select(['restatement_id', 'backfill_id', 'reason', 'status']).where('trigger', '=', 'backfill').execute();
  const notRestated: Array<BackfillsStatus['notRestated'][number]> = [];
  for (const transition of await backfillTransitions(db)) {
    const requested = restatements.filter((r) => r.backfill_id === transition.backfill_id && r.reason === transition.status);
    if (requested.some((r) => r.status === 'done') || notRestated.some((t) => t.backfillId === transition.backfill_id && t.status === transition.status)) continue;
    const restatementId = requested[0]?.restatement_id;
    notRestated.push({
      backfillId: transition.backfill_id,
      status: transition.status,
      seenAt: transition.extracted_at,
      restatementId: restatementId === undefined ? null : Number(restatementId),
    });
  }
  return {
    pendingInOrb: latest.map((b) => ({ backfillId: b.backfill_id, status: b.status, customerId: b.customer_id, timeframeStart: b.timeframe_start, timeframeEnd: b.timeframe_end })),
    notRestated,
  };
}

async function pendingRestatements(destination: ReadOnlyDestination): Promise<PendingRestatement[]> {
  const rows = await destination.query<{
    restatement_id: string;
    trigger: string;
    backfill_id: string | null;
    reason: string | null;
    day_from: string | null;
    day_to: string | null;
    requested_at: string;
    subscriptions: string;
  }>(
    `select r.restatement_id, r.trigger, r.backfill_id, r.reason, r.day_from, r.day_to, r.requested_at, count(s.subscription_id) as subscriptions
     from restatements r left join restatement_scope s on s.restatement_id = r.restatement_id
     where r.status = 'pending'
     group by r.restatement_id, r.trigger, r.backfill_id, r.reason, r.day_from, r.day_to, r.requested_at
     order by r.restatement_id`,
  );
  return rows.map((row) => ({
    restatementId: Number(row.restatement_id),
    trigger: row.trigger,
    backfillId: row.backfill_id,
    reason: row.reason,
    dayFrom: row.day_from,
    dayTo: row.day_to,
    requestedAt: row.requested_at,
    subscriptions: Number(row.subscriptions),
  }));
}

async function factsStatus(destination: ReadOnlyDestination): Promise<FactsStatus> {
  const built = await destination.db.selectFrom('model_build_state').select((eb) => eb.fn.max('built_at').as('built_at')).executeTakeFirst();
  const tables: Array<FactsStatus['tables'][number]> = [];
  for (const { name } of FACT_TABLES) {
    const [row] = await destination.query<{ row_count: string; newest: string | null }>(`select count(*) as row_count, max(${NEWEST_COLUMN[name]}) as newest from ${name}`);
    tables.push({ table: name, rows: Number(row?.row_count ?? 0), newest: row?.newest ?? null });
  }
  return { builtAt: built?.built_at ?? null, tables };
}
