import { invalidReason } from '../errors.js';
import type { ListStream, StagedVersion, StreamContext, StreamResult } from '../streams/stream.js';
import { commitVersions, loadCursors, recordReject } from './loader.js';

const PARTITION = '*';
/** sync_state partition holding when a stream's periodic re-read last ran. */
const REREAD_PARTITION = 'reread';
/** sync_state partition holding when a list that may stop early was last read to its end. */
const WHOLE_PARTITION = 'read whole';

/**
 * Reads the list (from the saved cursor, if the stream has one) and its re-read lists, appends
 * what changed page by page, and saves the cursor only after the last page, when no record was
 * rejected (a crash or a reject re-reads, never skips).
 */
export async function runListStream<R>(ctx: StreamContext, stream: ListStream<R>): Promise<StreamResult> {
  const cursors = await loadCursors(ctx, stream.name);
  const cursor = stream.cursorField ? cursors.get(PARTITION) : undefined;
  const seen = new Set<string>();
  let newestCursor = cursor;
  let rowsLoaded = 0;
  let rejected = 0;

  let pages = 0;
  ctx.onProgress?.({ stream: stream.name, phase: 'start', done: 0 });
  const take = async (records: R[]): Promise<void> => {
    pages += 1;
    ctx.onProgress?.({ stream: stream.name, phase: 'progress', done: pages });
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
      const recordCursor = stream.cursorField?.(record);
      if (recordCursor !== undefined && (!newestCursor || recordCursor > newestCursor)) newestCursor = recordCursor;
      versions.push(...recordVersions);
    }
    rowsLoaded += await commitVersions(ctx, stream.name, PARTITION, versions, undefined);
  };

  const label = `GET ${stream.name}`;
  const mayStop = stream.olderPagesSettled !== undefined && cursors.has(WHOLE_PARTITION);
  let stoppedEarly = false;
  for await (const records of ctx.api.pages(stream.endpoint, label, (orb) => stream.list(orb, cursor), { readAhead: !mayStop })) {
    const before = { rowsLoaded, rejected };
    await take(records);
    const unchanged = rowsLoaded === before.rowsLoaded && rejected === before.rejected;
    if (mayStop && unchanged && (await stream.olderPagesSettled!(records, ctx))) {
      stoppedEarly = true;
      break;
    }
  }
  const rereadDue = rereadIsDue(ctx, stream, cursors.get(REREAD_PARTITION));
  // A list read from no cursor returned every record: its re-reads would only read them again.
  if (rereadDue && cursor !== undefined) {
    for (const reread of stream.rereads) {
      for await (const records of ctx.api.pages(stream.endpoint, label, reread, { readAhead: true })) await take(records);
    }
  }
  for (const key of (await stream.stale?.keys(ctx, seen)) ?? []) {
    await take([(await ctx.api.call(stream.endpoint, `${label}/${key}`, (orb) => stream.stale!.fetch(orb, key))).data]);
  }
  if (rejected === 0) {
    if (newestCursor !== undefined && newestCursor !== cursor) await commitVersions(ctx, stream.name, PARTITION, [], newestCursor);
    if (rereadDue && stream.rereadEveryHours) await commitVersions(ctx, stream.name, REREAD_PARTITION, [], ctx.api.now().toISOString());
    if (stream.olderPagesSettled && !stoppedEarly) await commitVersions(ctx, stream.name, WHOLE_PARTITION, [], ctx.api.now().toISOString());
  }
  ctx.onProgress?.({ stream: stream.name, phase: 'done', done: pages, total: pages });
  ctx.log.info({ stream: stream.name, records: seen.size, rowsLoaded, rejected }, 'stream done');
  return { stream: stream.name, rowsLoaded, rejected };
}

/** Re-reads run every sync, or for a stream with an interval, when the last one is that old. */
function rereadIsDue<R>(ctx: StreamContext, stream: ListStream<R>, last: string | undefined): boolean {
  if (!stream.rereadEveryHours || last === undefined) return true;
  return ctx.api.now().getTime() - Date.parse(last) >= stream.rereadEveryHours(ctx) * 3_600_000;
}
