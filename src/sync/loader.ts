import { sql } from 'kysely';
import type { LoadTransaction } from '../destinations/destination.js';
import type { SqlValue } from '../destinations/normalize.js';
import { latestViewName, type LoadRow, type StagingRow, type StagingTable } from '../schema/table.js';
import type { Coverage, StagedVersion, StreamContext } from '../streams/stream.js';
import { contentHash } from '../util/hash.js';
import { count } from './run-summary.js';

/** One partition's part of a commit: its versions, its new cursor, the days its read covered. */
export interface CommitItem {
  readonly partition: string;
  readonly versions: readonly StagedVersion[];
  readonly cursor?: string;
  readonly coverage?: Coverage;
}

/** commitBatch for one partition. */
export function commitVersions(
  ctx: StreamContext,
  stream: string,
  partition: string,
  versions: readonly StagedVersion[],
  cursor: string | undefined,
  coverage?: Coverage,
): Promise<number> {
  return commitBatch(ctx, stream, [{ partition, versions, cursor, coverage }]);
}

/**
 * Appends the versions whose content changed and advances each partition's cursor in ONE
 * transaction, so a crash leaves either both or neither. The loader fills each staging row's
 * run_id, load_id (one per commit: higher is newer), extracted_at and content_hash. Several
 * partitions share a commit to spare the engines a commit (and its fsync) per partition.
 */
export async function commitBatch(ctx: StreamContext, stream: string, items: readonly CommitItem[]): Promise<number> {
  if (items.every((item) => item.versions.length === 0 && item.cursor === undefined && item.coverage === undefined)) return 0;
  const perTable = new Map<string, number>();
  const loaded = await ctx.destination.transaction(async (tx) => {
    perTable.clear();
    const versions: StagedVersion[] = [];
    for (const item of items) {
      versions.push(...item.versions);
      if (item.coverage) versions.push(...(await goneVersions(tx, item.coverage, item.versions)));
    }
    const changed = await changedVersions(tx, versions);
    let loaded = 0;
    if (changed.length > 0) {
      const loadId = await nextLoadId(tx);
      const byTable = new Map<StagingTable, LoadRow[]>();
      const append = (table: StagingTable, row: LoadRow) => {
        const rows = byTable.get(table) ?? [];
        rows.push(row);
        byTable.set(table, rows);
      };
      for (const { version, hash } of changed) {
        append(version.table, { ...version.row, run_id: ctx.runId, load_id: loadId, extracted_at: ctx.startedAt, content_hash: hash });
        for (const child of version.children) {
          for (const row of child.rows) append(child.table, { ...row, run_id: ctx.runId, load_id: loadId });
        }
      }
      for (const [table, rows] of byTable) {
        await tx.bulkLoad(table, rows);
        loaded += rows.length;
        perTable.set(table.name, rows.length);
      }
    }
    for (const item of items) if (item.cursor !== undefined) await saveCursor(tx, ctx.runId, stream, item.partition, item.cursor);
    return loaded;
  });
  // Counted once committed.
  ctx.tally.rowsLoaded += loaded;
  for (const [table, rows] of perTable) count(ctx.tally.stagingRows, table, rows);
  return loaded;
}

/**
 * Deleted versions of the stored days the coverage holds that `versions` does not: Orb no longer
 * returns them (a backfill removed the usage, a cancellation was backdated).
 */
async function goneVersions(tx: LoadTransaction, coverage: Coverage, versions: readonly StagedVersion[]): Promise<StagedVersion[]> {
  const { table } = coverage;
  const returned = new Set(versions.filter((v) => v.table === table).map((v) => versionKey(table, v.row)));
  const partition = Object.entries(coverage.partition).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  const { rows: stored } = await sql<Record<string, SqlValue>>`
    select ${sql.join(table.versionKey.map((column) => sql.ref(column)))} from ${sql.table(latestViewName(table))}
    where ${sql.join(partition, sql` and `)} and day >= ${coverage.from} and day < ${coverage.to}
      and not coalesce(is_deleted, false)`.execute(tx.db);
  const empty = Object.fromEntries(Object.keys(table.columns).filter((c) => !LOADER_COLUMNS.has(c)).map((c) => [c, null]));
  return stored
    .filter((row) => !returned.has(versionKey(table, row)))
    .map((row) => ({ table, row: { ...empty, ...row, is_deleted: true } as StagingRow, children: [] }));
}

const LOADER_COLUMNS = new Set(['run_id', 'load_id', 'extracted_at', 'content_hash']);

/** A version's identity: its table and the values of the table's version key. */
function versionKey(table: StagingTable, row: Record<string, unknown>): string {
  return JSON.stringify([table.name, ...table.versionKey.map((column) => keyValue(row[column]))]);
}

function keyValue(value: unknown): SqlValue {
  return value instanceof Date ? value.toISOString() : (value as SqlValue);
}

/**
 * The versions that differ from the latest stored version of their key, one per key (the last
 * one given wins: a customer embedded in two subscriptions of one page is appended once).
 */
async function changedVersions(tx: LoadTransaction, versions: readonly StagedVersion[]) {
  const byKey = new Map<string, StagedVersion>();
  for (const version of versions) byKey.set(versionKey(version.table, version.row), version);
  const latest = [...byKey].map(([key, version]) => ({
    key,
    version,
    hash: contentHash([version.row, version.children.map((child) => [child.table.name, child.rows])]),
  }));
  const stored = new Map<string, string>();
  for (const table of new Set(latest.map(({ version }) => version.table))) {
    const ofTable = latest.filter(({ version }) => version.table === table).map(({ version }) => version);
    for (const [key, hash] of await storedHashes(tx, table, ofTable)) stored.set(key, hash);
  }
  return latest.filter(({ key, hash }) => stored.get(key) !== hash);
}

/** Hashes of the latest stored versions that share the first key column's values with `versions`. */
async function storedHashes(tx: LoadTransaction, table: StagingTable, versions: readonly StagedVersion[]): Promise<Map<string, string>> {
  const [first] = table.versionKey;
  const values = [...new Set(versions.map((v) => keyValue((v.row as Record<string, unknown>)[first!])))];
  const { rows } = await sql<Record<string, SqlValue> & { content_hash: string }>`
    select ${sql.join(table.versionKey.map((column) => sql.ref(column)))}, content_hash
    from ${sql.table(latestViewName(table))}
    where ${sql.ref(first!)} in (${sql.join(values)})`.execute(tx.db);
  return new Map(rows.map((row) => [versionKey(table, row), row.content_hash]));
}

async function nextLoadId(tx: LoadTransaction): Promise<string> {
  const { rows } = await sql<{ id: string }>`select nextval('load_ids') as id`.execute(tx.db);
  return String(rows[0]!.id);
}

async function saveCursor(tx: LoadTransaction, runId: string, stream: string, partition: string, cursor: string): Promise<void> {
  await tx.db
    .insertInto('sync_state')
    .values({ stream, partition_key: partition, cursor_value: cursor, run_id: runId, updated_at: new Date() })
    .onConflict((conflict) =>
      conflict.columns(['stream', 'partition_key']).doUpdateSet((eb) => ({
        cursor_value: eb.ref('excluded.cursor_value'),
        run_id: eb.ref('excluded.run_id'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export async function loadCursors(ctx: StreamContext, stream: string): Promise<Map<string, string>> {
  const rows = await ctx.destination.db.selectFrom('sync_state').select(['partition_key', 'cursor_value']).where('stream', '=', stream).execute();
  return new Map(rows.map((row) => [row.partition_key, row.cursor_value]));
}

/** Keeps the record whole with its reason; the caller leaves the partition's cursor where it was. */
export async function recordReject(ctx: StreamContext, stream: string, partition: string, reason: string, record: unknown): Promise<void> {
  ctx.log.error({ stream, partition, reason }, 'record rejected');
  ctx.rejects.push({ stream, partition, reason });
  await ctx.destination.db
    .insertInto('rejects')
    .values({ run_id: ctx.runId, stream, partition_key: partition, reason, record: JSON.stringify(record ?? null), rejected_at: new Date() })
    .execute();
}
