import { errorMessage } from '../errors.js';
import type { ListStream, StreamContext, StreamResult, VersionedGroup } from '../streams/stream.js';
import { commitGroups, loadCursors, recordReject } from './loader.js';

const PARTITION = '*';

/**
 * Reads the incremental list from the saved cursor and every re-read list, appends what changed
 * page by page, and saves the cursor only after the last page (a crash re-reads, never skips).
 */
export async function runListStream<R>(ctx: StreamContext, stream: ListStream<R>): Promise<StreamResult> {
  const cursor = (await loadCursors(ctx, stream.name)).get(PARTITION);
  const stored = await storedHashes(ctx, stream);
  const seen = new Set<string>();
  let newestCursor = cursor;
  let rowsLoaded = 0;
  let rejected = 0;

  const take = async (records: R[]): Promise<void> => {
    const changed: VersionedGroup[] = [];
    for (const record of records) {
      let group: VersionedGroup;
      try {
        group = stream.toGroup(record, ctx);
      } catch (error) {
        rejected += 1;
        await recordReject(ctx, stream.name, PARTITION, errorMessage(error), record);
        continue;
      }
      if (seen.has(group.key)) continue;
      seen.add(group.key);
      const recordCursor = stream.cursorField(record);
      if (!newestCursor || recordCursor > newestCursor) newestCursor = recordCursor;
      if (stored.get(group.key) !== group.hash) changed.push(group);
    }
    rowsLoaded += await commitGroups(ctx, stream.name, PARTITION, changed, undefined);
  };

  const label = `GET ${stream.name}`;
  for await (const records of ctx.api.pages(stream.endpoint, label, (orb) => stream.list(orb, cursor))) await take(records);
  for (const reread of stream.rereads) {
    for await (const records of ctx.api.pages(stream.endpoint, label, reread)) await take(records);
  }
  for (const key of await stream.staleKeys(ctx, seen)) {
    await take([await ctx.api.call(stream.endpoint, `${label}/${key}`, (orb) => stream.fetchOne(orb, key))]);
  }
  // A rejected record holds the cursor back so the next run reads it again.
  if (rejected === 0 && newestCursor !== undefined && newestCursor !== cursor) {
    await commitGroups(ctx, stream.name, PARTITION, [], newestCursor);
  }
  ctx.log.info({ stream: stream.name, records: seen.size, rowsLoaded, rejected }, 'stream done');
  return { stream: stream.name, rowsLoaded, rejected };
}

async function storedHashes<R>(ctx: StreamContext, stream: ListStream<R>): Promise<Map<string, string>> {
  const { name: table } = stream.table;
  const key = stream.keyColumn;
  const rows = await ctx.destination.query<{ key: string; content_hash: string }>(
    `select t.${key} as key, t.content_hash from ${table} t
     join (select ${key}, max(load_id) as load_id from ${table} group by ${key}) latest using (${key}, load_id)`,
  );
  return new Map(rows.map((row) => [row.key, row.content_hash]));
}
