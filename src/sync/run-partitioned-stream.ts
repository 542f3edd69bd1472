import { invalidReason } from '../errors.js';
import { PaginationError } from '../orb/orb-api.js';
import type { PartitionedStream, StagedVersion, StreamContext, StreamResult, Window } from '../streams/stream.js';
import { commitBatch, keyedVersions, loadCursors, recordReject, type CommitItem } from './loader.js';

/**
 * A commit takes at most this many partitions, rows, or milliseconds of waiting partitions. A
 * commit's rows wait in JavaScript and then in the engine's transaction (DuckDB holds them in
 * memory until it ends), so fewer rows take memory off a sync, but each commit has its lookups and
 * cursors to pay for: on a first sync of 1,000 subscriptions into DuckDB, 20,000 rows peaked at
 * 406-411 MiB, 10,000 at 394 and 5,000 at 363, while bench/load-path.mjs had commitBatch at 0.88,
 * 0.82 and 0.73 of DuckDB's raw appender.
 */
const BATCH = { partitions: 50, rows: 10_000, waitMs: 1_000 };
/**
 * Rows read but not yet committed, beyond which the workers wait for the writer: reading is often
 * faster than loading (the writer is shared by both lanes), and without this bound what is
 * waiting to be loaded grows with the account.
 */
const MAX_UNCOMMITTED_ROWS = 2 * BATCH.rows;

/**
 * One Orb call per partition, `concurrency` in flight. Each partition's rows and its new cursor
 * commit in the same transaction; partitions are committed in batches (a commit per partition
 * costs DuckDB an fsync each), bounded in rows so memory does not grow with the account. Loads
 * are serialised: one writer, in completion order.
 */
export async function runPartitionedStream<P, Unit>(ctx: StreamContext, stream: PartitionedStream<P, Unit>): Promise<StreamResult> {
  const cursors = await loadCursors(ctx, stream.name);
  const partitions = await stream.partitions(ctx);
  let rowsLoaded = 0;
  let rejected = 0;
  let done = 0;
  let writes = Promise.resolve();
  const progressEvery = Math.max(1, Math.ceil(partitions.length / 20));
  const perSecond = ctx.api.ratePerSecond(stream.endpoint);
  ctx.onProgress?.({ stream: stream.name, phase: 'start', done: 0, total: partitions.length, perSecond });
  let batch: CommitItem[] = [];
  let batchRows = 0;
  let uncommittedRows = 0;
  let batchTimer: NodeJS.Timeout | undefined;

  const flush = (): Promise<void> => {
    clearTimeout(batchTimer);
    batchTimer = undefined;
    const items = batch;
    const rows = batchRows;
    batch = [];
    batchRows = 0;
    if (items.length > 0) {
      writes = writes.then(async () => {
        try {
          rowsLoaded += await commitBatch(ctx, stream.name, items);
        } finally {
          uncommittedRows -= rows;
        }
      });
    }
    return writes;
  };

  const load = async (key: string, partition: P, window: Window, cursor: string | undefined, units: readonly unknown[]): Promise<void> => {
    const versions: StagedVersion[] = [];
    const acceptedBeforeReject: Unit[] = [];
    let held = false;
    for (const unit of units) {
      let parsed: Unit;
      try {
        parsed = stream.parse(unit, partition, ctx);
      } catch (error) {
        held = true;
        rejected += 1;
        await recordReject(ctx, stream.name, key, `${stream.describe(unit)}: ${invalidReason(error)}`, unit);
        continue;
      }
      versions.push(...stream.toVersions(parsed, partition));
      if (!held) acceptedBeforeReject.push(parsed);
    }
    const next = stream.nextCursor(acceptedBeforeReject, partition, window, cursor, ctx);
    // A read with a rejected unit did not return everything it covers: nothing is taken as gone.
    const coverage = held ? undefined : stream.coverage?.(acceptedBeforeReject, partition, window, ctx);
    // Only the last version of each record waits for the writer (the loader would keep only it).
    const latest = keyedVersions(versions);
    const rows = latest.reduce((sum, { version }) => sum + 1 + version.children.reduce((n, child) => n + child.rows.length, 0), 0);
    batch.push({ partition: key, versions: latest, cursor: next, coverage });
    batchRows += rows;
    uncommittedRows += rows;
    if (batch.length >= BATCH.partitions || batchRows >= BATCH.rows) await flush();
    else batchTimer ??= setTimeout(() => void flush().catch(() => undefined), BATCH.waitMs);
    if (uncommittedRows > MAX_UNCOMMITTED_ROWS) await writes;
  };

  const process = async (partition: P): Promise<void> => {
    const key = stream.partitionKey(partition);
    const cursor = cursors.get(key);
    const window = stream.window(partition, cursor, ctx);
    if (window) {
      const label = `${stream.name} ${key}`;
      let units: readonly unknown[] | undefined;
      try {
        units = stream.units(await read(ctx, stream, label, partition, window), partition, window);
      } catch (error) {
        // Pages that cannot end, or that orb-sync cannot follow, fail their partition alone: the
        // cursor stays, the run goes on.
        if (!(error instanceof PaginationError)) throw error;
        rejected += 1;
        await recordReject(ctx, stream.name, key, error.message, null);
      }
      if (units !== undefined) await load(key, partition, window, cursor, units);
    }
    done += 1;
    ctx.onProgress?.({ stream: stream.name, phase: 'progress', done, total: partitions.length, perSecond });
    if (done % progressEvery === 0 || done === partitions.length) {
      ctx.log.info({ stream: stream.name, done, of: partitions.length }, 'progress');
    }
  };

  // On the first failure the other workers stop taking partitions, and what was read before it
  // is committed before the error goes up (each partition with its cursor): nothing half-written.
  const queue = [...partitions];
  let failed = false;
  const workers = Array.from({ length: Math.min(ctx.settings.concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined && !failed; next = queue.shift()) {
      try {
        await process(next);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const outcomes = await Promise.allSettled(workers);
  const committed = await flush().then(
    () => undefined,
    (error: unknown) => error,
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  if (committed) throw committed;
  ctx.onProgress?.({ stream: stream.name, phase: 'done', done, total: partitions.length, perSecond });
  ctx.log.info({ stream: stream.name, partitions: partitions.length, rowsLoaded, rejected }, 'stream done');
  return { stream: stream.name, rowsLoaded, rejected };
}

/** What a partition's window holds: one checked response, or every page's items together. */
async function read<P, Unit>(ctx: StreamContext, stream: PartitionedStream<P, Unit>, label: string, partition: P, window: Window): Promise<unknown> {
  const { read: how } = stream;
  if (how.kind === 'call') return (await ctx.api.call(stream.endpoint, label, (orb) => how.fetch(orb, partition, window), how.envelope)).data;
  const items: unknown[] = [];
  for await (const page of ctx.api.pages(stream.endpoint, label, (orb) => how.list(orb, partition, window))) items.push(...page);
  return items;
}
