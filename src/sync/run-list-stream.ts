import { invalidReason } from '../errors.js';
import type { ListStream, StagedVersion, StreamContext, StreamResult } from '../streams/stream.js';
import { commitVersions, loadCursors, recordReject } from './loader.js';

const PARTITION = '*';

/**
 * Reads the incremental list from the saved cursor and every re-read list, appends what changed
 * page by page, and saves the cursor only after the last page (a crash re-reads, never skips).
 */
export async function runListStream<R>(ctx: StreamContext, stream: ListStream<R>): Promise<StreamResult> {
  const cursor = (await loadCursors(ctx, stream.name)).get(PARTITION);
  const seen = new Set<string>();
  let newestCursor = cursor;
  let rowsLoaded = 0;
  let rejected = 0;

  const take = async (records: R[]): Promise<void> => {
    const versions: StagedVersion[] = [];
    for (const record of records) {
      let recordVersions: StagedVersion[];
      try {
        recordVersions = stream.toVersions(record);
      } catch (error) {
        rejected += 1;
        await recordReject(ctx, stream.name, PARTITION, invalidReason(error), record);
        continue;
      }
      const key = stream.recordKey(record);
      if (seen.has(key)) continue;
      seen.add(key);
      const recordCursor = stream.cursorField(record);
      if (!newestCursor || recordCursor > newestCursor) newestCursor = recordCursor;
      versions.push(...recordVersions);
    }
    rowsLoaded += await commitVersions(ctx, stream.name, PARTITION, versions, undefined);
  };

  const label = `GET ${stream.name}`;
  for await (const records of ctx.api.pages(stream.endpoint, label, (orb) => stream.list(orb, cursor))) await take(records);
  for (const reread of stream.rereads) {
    for await (const records of ctx.api.pages(stream.endpoint, label, reread)) await take(records);
  }
  for (const key of await stream.staleKeys(ctx, seen)) {
    await take([(await ctx.api.call(stream.endpoint, `${label}/${key}`, (orb) => stream.fetchOne(orb, key))).data]);
  }
  // A rejected record holds the cursor back so the next run reads it again.
  if (rejected === 0 && newestCursor !== undefined && newestCursor !== cursor) {
    await commitVersions(ctx, stream.name, PARTITION, [], newestCursor);
  }
  ctx.log.info({ stream: stream.name, records: seen.size, rowsLoaded, rejected }, 'stream done');
  return { stream: stream.name, rowsLoaded, rejected };
}
