import { sql, type RawBuilder } from 'kysely';
import type { LoadTransaction } from '../destinations/destination.js';
import type { SqlValue } from '../destinations/normalize.js';
import { type LoadRow, type StagingRow, type StagingTable } from '../schema/table.js';
import type { Coverage, StagedVersion, StreamContext } from '../streams/stream.js';
import { contentHash } from '../util/hash.js';
import { count } from './run-summary.js';

/** One partition's part of a commit: its versions, its new cursor, the days its read covered. */
export interface CommitItem {
  readonly partition: string;
  readonly versions: readonly KeyedVersion[];
  readonly cursor?: string;
  readonly coverage?: Coverage;
}

/** A version with its identity and content hash, worked out before the writer's turn. */
export interface KeyedVersion {
  readonly key: string;
  readonly hash: string;
  /** Its row carries the hash as content_hash, ready to append. */
  readonly version: StagedVersion;
}

/**
 * The last version of each record (one read can hold a record many times: a price in every cost
 * day), keyed and hashed, its row stamped with the hash. Callers do this while other reads are in
 * flight, so the single writer's transactions hold only the engine's work.
 */
export function keyedVersions(versions: readonly StagedVersion[]): KeyedVersion[] {
  const byKey = new Map<string, StagedVersion>();
  for (const version of versions) byKey.set(versionKey(version.table, version.row), version);
  return [...byKey].map(([key, version]) => {
    const hash = contentHash([version.row, version.children.map((child) => [child.table.name, child.rows])]);
    return { key, hash, version: { ...version, row: { ...version.row, content_hash: hash } } };
  });
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
  return commitBatch(ctx, stream, [{ partition, versions: keyedVersions(versions), cursor, coverage }]);
}

/**
 * Appends the versions whose content changed and advances each partition's cursor in ONE
 * transaction, so a crash leaves either both or neither. The loader fills each staging row's
 * run_id, load_id (one per commit: higher is newer), extracted_at and content_hash. Several
 * partitions share a commit to spare the engines a commit (and its fsync) per partition, and
 * each lookup is one query per table per commit, not one per partition.
 */
export async function commitBatch(ctx: StreamContext, stream: string, items: readonly CommitItem[]): Promise<number> {
  if (items.every((item) => item.versions.length === 0 && item.cursor === undefined && item.coverage === undefined)) return 0;
  const perTable = new Map<string, number>();
  const loaded = await ctx.destination.transaction(async (tx) => {
    perTable.clear();
    const changed = await changedVersions(tx, items);
    let loaded = 0;
    if (changed.length > 0) {
      // The run's and the load's columns go to the engine once per table, not copied into each row.
      const shared = { run_id: ctx.runId, load_id: await nextLoadId(tx), extracted_at: ctx.startedAt };
      const byTable = new Map<StagingTable, Partial<LoadRow>[]>();
      for (const { version } of changed) {
        entryOf(byTable, version.table, () => []).push(version.row);
        for (const child of version.children) entryOf(byTable, child.table, () => []).push(...child.rows);
      }
      for (const [table, rows] of byTable) {
        await tx.bulkLoad(table, rows, shared);
        loaded += rows.length;
        perTable.set(table.name, rows.length);
      }
    }
    await saveCursors(tx, ctx.runId, stream, items);
    return loaded;
  });
  // Counted once committed.
  ctx.tally.rowsLoaded += loaded;
  for (const [table, rows] of perTable) count(ctx.tally.stagingRows, table, rows);
  return loaded;
}

/**
 * The versions to append, one per key (the last one given wins: a customer embedded in two
 * subscriptions of one page is appended once), those whose content differs from the latest stored
 * version of their key; and deleted versions of the stored days the items' coverages hold and
 * their versions do not: Orb no longer returns them (a backfill removed the usage, a cancellation
 * was backdated). One lookup per table serves both.
 */
async function changedVersions(tx: LoadTransaction, items: readonly CommitItem[]): Promise<KeyedVersion[]> {
  const latest = new Map<string, KeyedVersion>();
  const lookups = new Map<StagingTable, Lookup>();
  const lookupOf = (table: StagingTable) => entryOf(lookups, table, (): Lookup => ({ keyValues: new Set<SqlValue>(), coverages: [] }));
  for (const item of items) {
    for (const keyed of item.versions) latest.set(keyed.key, keyed);
    if (item.coverage) lookupOf(item.coverage.table).coverages.push(item.coverage);
  }
  for (const { version } of latest.values()) {
    const row = version.row as Record<string, unknown>;
    const lookup = lookupOf(version.table);
    lookup.keyValues.add(keyValue(row[version.table.versionKey[0]!]));
    const day = row.day;
    if (version.table.versionKey.includes('day') && typeof day === 'string') {
      const { from = day, to = day } = lookup.days ?? {};
      lookup.days = { from: day < from ? day : from, to: day > to ? day : to };
    }
  }
  const storedHashes = new Map<string, string>();
  const gone: StagedVersion[] = [];
  for (const [table, lookup] of lookups) {
    for (const stored of await storedVersions(tx, table, lookup)) {
      const key = versionKey(table, stored);
      storedHashes.set(key, stored.content_hash);
      if (stored.live_in_coverage && !latest.has(key)) gone.push(deletedVersion(table, stored));
    }
  }
  return [...latest.values(), ...keyedVersions(gone)].filter(({ key, hash }) => storedHashes.get(key) !== hash);
}

/** What a commit looks up in one staging table. */
interface Lookup {
  /** The first key column's values of the commit's versions. */
  keyValues: Set<SqlValue>;
  /** Their first and last day, for a table keyed by day. */
  days?: { from: string; to: string };
  coverages: Coverage[];
}

/**
 * The latest stored version of the keys that share the first key column's values with the
 * commit's versions (and lie in their days: a sync re-reads a few days of a long history), or
 * lie in one of its coverages; live_in_coverage marks a version in a coverage that is not deleted
 * (the only ones that can be gone).
 */
async function storedVersions(
  tx: LoadTransaction,
  table: StagingTable,
  { keyValues, days, coverages }: Lookup,
): Promise<Array<Record<string, SqlValue> & { content_hash: string; live_in_coverage: boolean }>> {
  const ranges = coverages.map(({ partition, from, to }) => {
    // Only key columns may narrow the rows before the latest version is taken (see latestOf).
    const unkeyed = [...Object.keys(partition), 'day'].filter((column) => !table.versionKey.includes(column));
    if (unkeyed.length > 0) throw new Error(`coverage of ${table.name} pins ${unkeyed.join(', ')}, not in its version key`);
    return sql`(${sql.join(Object.entries(partition).map(([column, value]) => sql`${sql.ref(column)} = ${value}`), sql` and `)} and day >= ${from} and day < ${to})`;
  });
  const firstKey = table.versionKey[0]!;
  const inDays = days ? sql` and day >= ${days.from} and day <= ${days.to}` : sql``;
  const selected = keyValues.size > 0 ? [sql`(${sql.ref(firstKey)} in (${sql.join([...keyValues])})${inDays})`] : [];
  const inCoverage = ranges.length > 0 ? sql`(${sql.join(ranges, sql` or `)}) and not coalesce(is_deleted, false)` : sql`false`;
  let where = sql.join([...selected, ...ranges], sql` or `);
  // The first key's values, once more ahead of the OR: DuckDB skips a row group by its min and max
  // of a column only for a filter it can take alone, and an OR of coverages hides it. Partitions
  // are read in order of their key, so a commit's values sit in few row groups: this lookup then
  // reads those, not every row loaded before (on a first sync, a scan of the table per commit).
  if (coverages.length > 0 && coverages.every(({ partition }) => firstKey in partition)) {
    const values = new Set([...keyValues, ...coverages.map(({ partition }) => partition[firstKey] as SqlValue)]);
    where = sql`${sql.ref(firstKey)} in (${sql.join([...values])}) and (${where})`;
  }
  const { rows } = await sql<Record<string, SqlValue> & { content_hash: string; live_in_coverage: boolean }>`${latestOf(
    table,
    sql`${keyColumns(table)}, content_hash, ${inCoverage} as live_in_coverage`,
    where,
  )}`.execute(tx.db);
  return rows;
}

/** A deleted version of a stored key: its key columns, every other column null. */
function deletedVersion(table: StagingTable, stored: Record<string, SqlValue>): StagedVersion {
  const row: Record<string, SqlValue> = Object.fromEntries(Object.keys(table.columns).filter((column) => !LOADER_COLUMNS.has(column)).map((column) => [column, null]));
  for (const column of table.versionKey) row[column] = stored[column]!;
  return { table, row: { ...row, is_deleted: true } as StagingRow, children: [] };
}

/** The map's value for `key`, made and stored first if it has none. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

const LOADER_COLUMNS = new Set(['run_id', 'load_id', 'extracted_at', 'content_hash']);

/** A version's identity: its table and the values of the table's version key. */
function versionKey(table: StagingTable, row: Record<string, unknown>): string {
  return JSON.stringify([table.name, ...table.versionKey.map((column) => keyValue(row[column]))]);
}

function keyValue(value: unknown): SqlValue {
  return value instanceof Date ? value.toISOString() : (value as SqlValue);
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

/**
 * The latest stored version (the _latest view's rule: the highest load_id of each key) of the
 * keys `where` selects, which must test key columns only. Not the view itself: neither engine
 * pushes such a filter through the view's GROUP BY, so every commit would aggregate the whole
 * table, in time and memory growing with the account.
 */
function latestOf(table: StagingTable, columns: RawBuilder<unknown>, where: RawBuilder<unknown>): RawBuilder<Record<string, SqlValue>> {
  return sql`select distinct on (${keyColumns(table)}) ${columns} from ${sql.table(table.name)}
    where ${where} order by ${keyColumns(table)}, load_id desc`;
}

function keyColumns(table: StagingTable): RawBuilder<unknown> {
  return sql.join(table.versionKey.map((column) => sql.ref(column)));
}

async function nextLoadId(tx: LoadTransaction): Promise<string> {
  const { rows } = await sql<{ id: string }>`select nextval('load_ids') as id`.execute(tx.db);
  return String(rows[0]!.id);
}

/** Each item's new cursor, in one statement per commit (the last of a partition wins). */
async function saveCursors(tx: LoadTransaction, runId: string, stream: string, items: readonly CommitItem[]): Promise<void> {
  const cursors = new Map(items.filter((item) => item.cursor !== undefined).map((item) => [item.partition, item.cursor!]));
  const updatedAt = new Date();
  for (const chunk of chunks([...cursors], 1000)) {
    await tx.db
      .insertInto('sync_state')
      .values(chunk.map(([partition, cursor]) => ({ stream, partition_key: partition, cursor_value: cursor, run_id: runId, updated_at: updatedAt })))
      .onConflict((conflict) =>
        conflict.columns(['stream', 'partition_key']).doUpdateSet((eb) => ({
          cursor_value: eb.ref('excluded.cursor_value'),
          run_id: eb.ref('excluded.run_id'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
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
