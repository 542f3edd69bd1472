import { sql } from 'kysely';
import { describeDestination, type Config } from '../config.js';
import type { Destination } from '../destinations/destination.js';
import { migrate } from '../destinations/migrate.js';
import { openDestination } from '../destinations/open-destination.js';
import { CancelledError, RejectedRecordsError, UserError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { buildFacts, type BuildResult } from '../models/build-facts.js';
import { ensureViews } from '../models/build-models.js';
import { DECLARED_TABLES } from '../schema/database.js';
import { OrbApi, type EndpointClass, type OrbApiOptions } from '../orb/orb-api.js';
import { requestEventSearches, type EventSearchRequest } from '../streams/event-search.js';
import { STREAMS, needsOf, selectStreams } from '../streams/index.js';
import type { Stream, StreamContext, StreamResult } from '../streams/stream.js';
import { addDays } from '../util/time-zone.js';
import {
  completeRestatements,
  forgetCursors,
  recordAsRestatement,
  requestBackfillRestatements,
  requestRestatement,
  type RestatementOutcome,
} from './restatements.js';
import { runStream } from './run-stream.js';
import { attachSummary, newTally, tallyBuild, timed } from './run-summary.js';
import type { RunSummary } from './run-summary.js';

export interface SyncSummary {
  runId: string;
  streams: StreamResult[];
  build: BuildResult;
  restatements: RestatementOutcome[];
  /** What the run did, as stored in sync_runs.summary. */
  summary: RunSummary;
}

export type SyncOptions = Config &
  Pick<OrbApiOptions, 'minRetryDelayMs' | 'signal'> &
  Pick<StreamContext, 'onProgress'> & {
    /** Event ids to look up in this run (`sync --event-ids`), added to event_search_requests first. */
    eventIds?: readonly EventSearchRequest[];
    /** Only these streams (and what they need); default all. */
    streams?: readonly string[];
    /** Forget the cursors of the streams run and read them again from the start date; rebuild every fact. */
    fullRefresh?: boolean;
  };

/**
 * One sync: complete any restatement a crash left pending, run every stream, rebuild the facts
 * staging changed (recording a `lookback` restatement when re-read days moved), then complete
 * the restatements this run requested.
 */
export async function runSync(options: SyncOptions, log: Logger): Promise<SyncSummary> {
  const { value, summary } = await withRun(options, log, 'sync', async (ctx) => {
    const restatements = await completeRestatements(ctx);
    if (options.eventIds) await requestEventSearches(ctx.destination, options.eventIds);
    const chosen = options.streams ? selectStreams(options.streams) : STREAMS;
    if (options.fullRefresh) await forgetCursors(ctx, chosen);
    const streams = await runInLanes(ctx, chosen);
    await requestBackfillRestatements(ctx);
    ctx.signal?.throwIfAborted();
    const build = await tallyBuild(ctx.tally, () =>
      options.fullRefresh
        ? buildFacts(ctx.destination, 'all', { runId: ctx.runId, hooks: recordAsRestatement(ctx, `full refresh of ${chosen.map((s) => s.name).join(', ')}`) })
        : buildFacts(ctx.destination, [], { recordLookback: true, runId: ctx.runId }),
    );
    if (build.lookbackRestatement) ctx.tally.restatements.push({ id: build.lookbackRestatement, trigger: 'lookback', totals: [] });
    log.info({ rows: build.rows, subscriptions: build.subscriptions }, 'facts built');
    restatements.push(...(await completeRestatements(ctx)));
    if (ctx.rejects.length > 0) throw new RejectedRecordsError(ctx.rejects);
    return { runId: ctx.runId, streams, build, restatements };
  });
  return { ...value, summary };
}

/**
 * Two lanes at once, one per Orb rate-limit class, each running its streams one after another:
 * the lists, then the other partitioned streams; and the analytics streams (costs, usage), whose
 * budget bounds a sync, so their lane starts as soon as what they read (the subscriptions) is
 * loaded rather than after every list. A stream that fails stops the rest of its lane and what
 * needs it. Results come back in the streams' order.
 */
async function runInLanes(ctx: StreamContext, streams: readonly Stream[]): Promise<StreamResult[]> {
  const finished = new Map<string, Promise<StreamResult>>();
  const laneTail: Record<EndpointClass, Promise<unknown>> = { analytics: Promise.resolve(), default: Promise.resolve() };
  for (const stream of [...streams.filter((s) => s.kind === 'list'), ...streams.filter((s) => s.kind === 'partitioned')]) {
    const after = [laneTail[stream.endpoint], ...needsOf(stream.name).map((name) => finished.get(name))];
    const result = Promise.all(after).then(() => runStream(ctx, stream));
    laneTail[stream.endpoint] = result;
    finished.set(stream.name, result);
  }
  const outcomes = await Promise.allSettled(streams.map((stream) => finished.get(stream.name)!));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<StreamResult>).value);
}

export interface RestateRequest {
  /** Customer-local dates, `to` inclusive. */
  from: string;
  to: string;
  customers: readonly string[];
  subscriptions: readonly string[];
  reason?: string;
}

/**
 * `orb-sync restate`: history Orb changed without a backfill (a price edited retroactively, a
 * backdated cancellation). Re-reads and rebuilds the given days of the given subscriptions (or
 * every subscription of the given customers, or all), and records it as a `manual` restatement.
 */
export async function runRestate(options: SyncOptions, log: Logger, request: RestateRequest): Promise<RestatementOutcome[]> {
  const { value } = await withRun(options, log, 'restate', async (ctx) => {
    const known = await ctx.destination.db.selectFrom('raw_subscriptions_latest').select(['subscription_id', 'customer_id']).execute();
    if (known.length === 0) throw new UserError('the destination holds no subscriptions yet: run orb-sync sync first');
    const unknownSubscriptions = request.subscriptions.filter((id) => !known.some((s) => s.subscription_id === id));
    const unknownCustomers = request.customers.filter((id) => !known.some((s) => s.customer_id === id));
    if (unknownSubscriptions.length > 0 || unknownCustomers.length > 0) {
      throw new UserError(`not in the destination (sync first?): ${[...unknownSubscriptions, ...unknownCustomers].join(', ')}`);
    }
    const chosen = known.filter(
      (s) =>
        (request.subscriptions.length === 0 && request.customers.length === 0) ||
        request.subscriptions.includes(s.subscription_id) ||
        request.customers.includes(s.customer_id),
    );
    const dayTo = addDays(request.to, 1);
    await requestRestatement(ctx, {
      trigger: 'manual',
      reason: request.reason ?? null,
      scopes: chosen.map((s) => ({ subscription_id: s.subscription_id, day_from: request.from, day_to: dayTo })),
    });
    return completeRestatements(ctx);
  });
  return value;
}

/** `orb-sync build`: rebuilds the facts staging changed since the last build, or all of them. */
export async function runBuild(options: SyncOptions, log: Logger, full: boolean): Promise<BuildResult> {
  const build = (ctx: StreamContext) => tallyBuild(ctx.tally, () => buildFacts(ctx.destination, full ? 'all' : [], { runId: ctx.runId }));
  return (await withRun(options, log, 'build', build, { needsOrb: false })).value;
}

/**
 * What every command that writes shares: check the API key (a wrong key or an unreachable Orb
 * fails before anything is written), open and lock the destination, migrate, create the views,
 * and record the run in sync_runs (with its summary) whatever happens after the lock is taken.
 */
async function withRun<T>(
  options: SyncOptions,
  log: Logger,
  command: string,
  work: (ctx: StreamContext) => Promise<T>,
  { needsOrb = true } = {},
): Promise<{ value: T; summary: RunSummary }> {
  const api = new OrbApi({ ...options, requestTimeoutMs: options.requestTimeout * 1000, log });
  if (needsOrb) await api.checkKey();
  const destination = await openDestination(options.destination, options.schema);
  try {
    await destination.lockForSync();
    await migrate(destination);
    await ensureViews(destination);
    log.info({ command, destination: describeDestination(options.destination), schema: options.schema }, 'run started');
    const startedAt = new Date();
    const { run_id: runId } = await destination.db
      .insertInto('sync_runs')
      .values({ run_id: sql`nextval('sync_run_ids')`, command, started_at: startedAt, status: 'running' })
      .returning('run_id')
      .executeTakeFirstOrThrow();
    const ctx: StreamContext = { api, destination, runId, settings: options, log, startedAt, rejects: [], tally: newTally(), signal: options.signal, onProgress: options.onProgress };
    const finish = async (status: RunSummary['status'], error?: unknown): Promise<RunSummary> => {
      const summary = summarize(command, status, ctx, error);
      await destination.db
        .updateTable('sync_runs')
        .set({ finished_at: new Date(summary.finishedAt), status, error: summary.error ?? null, rows_loaded: ctx.tally.rowsLoaded, summary: JSON.stringify(summary) })
        .where('run_id', '=', runId)
        .execute();
      return summary;
    };
    let result: T;
    try {
      result = await work(ctx);
    } catch (error) {
      const summary = await finish(error instanceof CancelledError ? 'cancelled' : 'failed', error).catch(() => undefined);
      if (summary) {
        log.info({ summary }, 'run summary');
        attachSummary(error, summary);
      }
      throw error;
    }
    // Committed work is complete without it: a failure here is a warning, not a failed run.
    const written = Object.fromEntries(DECLARED_TABLES.map((table) => [table.name, ctx.tally.stagingRows[table.name] ?? ctx.tally.factRows[table.name] ?? 0]));
    await timed(ctx.tally, 'statistics', () => destination.refreshStatistics(written)).catch((error: unknown) =>
      log.warn({ error: errorMessage(error) }, 'could not refresh the planner statistics of the tables this run wrote'),
    );
    const summary = await finish('succeeded');
    log.info({ summary }, 'run summary');
    return { value: result, summary };
  } finally {
    await destination.close();
  }
}

function summarize(command: string, status: RunSummary['status'], ctx: StreamContext, error: unknown): RunSummary {
  const finishedAt = new Date();
  const rates = ctx.api.rateSummary();
  return {
    command,
    status,
    startedAt: ctx.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - ctx.startedAt.getTime(),
    apiCalls: Object.fromEntries([...ctx.api.requests].sort(([a], [b]) => (a < b ? -1 : 1))),
    retries: ctx.api.retries,
    rateLimited: ctx.api.rateLimited,
    settledRate: { analytics: rates.analytics.settledPerSecond, default: rates.default.settledPerSecond },
    stagingRows: ctx.tally.stagingRows,
    factRows: ctx.tally.factRows,
    restatements: ctx.tally.restatements,
    rejects: ctx.rejects.length,
    durationsMs: ctx.tally.durationsMs,
    ...(error === undefined ? {} : { error: errorMessage(error) }),
  };
}
