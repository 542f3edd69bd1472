import { CompiledQuery } from 'kysely';
import type { LoadTransaction, Row, TableShape } from '../destinations/destination.js';
import type { StreamContext, VersionedGroup } from '../streams/stream.js';

/**
 * Appends changed groups and advances the partition's cursor in ONE transaction, so a crash
 * leaves either both or neither. Every staging table starts with (run_id, load_id); the loader
 * fills them, and a higher load_id is a newer version.
 */
export async function commitGroups(
  ctx: StreamContext,
  stream: string,
  partition: string,
  groups: readonly VersionedGroup[],
  cursor: string | undefined,
): Promise<number> {
  if (groups.length === 0 && cursor === undefined) return 0;
  return ctx.destination.transaction(async (tx) => {
    let loaded = 0;
    if (groups.length > 0) {
      const loadId = await nextLoadId(tx);
      const byTable = new Map<TableShape, Row[]>();
      for (const group of groups) {
        for (const [table, rows] of group.rows) {
          const target = byTable.get(table) ?? [];
          for (const row of rows) target.push([ctx.runId, loadId, ...row]);
          byTable.set(table, target);
        }
      }
      for (const [table, rows] of byTable) {
        await tx.bulkLoad(table, rows);
        loaded += rows.length;
      }
    }
    if (cursor !== undefined) await saveCursor(tx, ctx.runId, stream, partition, cursor);
    return loaded;
  });
}

async function nextLoadId(tx: LoadTransaction): Promise<string> {
  const { rows } = await tx.db.executeQuery<{ id: string }>(CompiledQuery.raw("select nextval('load_ids') as id"));
  return String(rows[0]!.id);
}

async function saveCursor(tx: LoadTransaction, runId: string, stream: string, partition: string, cursor: string): Promise<void> {
  await tx.db.executeQuery(
    CompiledQuery.raw(
      `insert into sync_state (stream, partition_key, cursor_value, run_id, updated_at) values ($1, $2, $3, $4, $5)
       on conflict (stream, partition_key) do update
       set cursor_value = excluded.cursor_value, run_id = excluded.run_id, updated_at = excluded.updated_at`,
      [stream, partition, cursor, runId, new Date()],
    ),
  );
}

export async function loadCursors(ctx: StreamContext, stream: string): Promise<Map<string, string>> {
  const rows = await ctx.destination.query<{ partition_key: string; cursor_value: string }>(
    'select partition_key, cursor_value from sync_state where stream = $1',
    [stream],
  );
  return new Map(rows.map((row) => [row.partition_key, row.cursor_value]));
}

/** Keeps the record whole with its reason; the caller leaves the partition's cursor where it was. */
export async function recordReject(
  ctx: StreamContext,
  stream: string,
  partition: string,
  reason: string,
  record: unknown,
): Promise<void> {
  ctx.log.error({ stream, partition, reason }, 'record rejected');
  ctx.rejects.push({ stream, partition, reason });
  await ctx.destination.query(
    'insert into rejects (run_id, stream, partition_key, reason, record, rejected_at) values ($1, $2, $3, $4, $5, $6)',
    [ctx.runId, stream, partition, reason, JSON.stringify(record ?? null), new Date()],
  );
}
