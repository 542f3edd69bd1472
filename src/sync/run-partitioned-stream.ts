import { errorMessage } from '../errors.js';
import type { PartitionedStream, StagedVersion, StreamContext, StreamResult } from '../streams/stream.js';
import { commitVersions, loadCursors, recordReject } from './loader.js';

/**
 * One Orb call per partition, `concurrency` in flight; each partition's changed rows and its
 * new cursor commit together. Loads are serialised: one writer, in completion order.
 */
export async function runPartitionedStream<P, Response>(
  ctx: StreamContext,
  stream: PartitionedStream<P, Response>,
): Promise<StreamResult> {
  const cursors = await loadCursors(ctx, stream.name);
  const partitions = await stream.partitions(ctx);
  let rowsLoaded = 0;
  let rejected = 0;
  let done = 0;
  let writes = Promise.resolve();
  const progressEvery = Math.max(1, Math.ceil(partitions.length / 20));

  const process = async (partition: P): Promise<void> => {
    const key = stream.partitionKey(partition);
    const window = stream.window(partition, cursors.get(key), ctx);
    if (window) {
      const label = `${stream.name} ${key}`;
      const response = await ctx.api.call(stream.endpoint, label, (orb) => stream.fetch(orb, partition, window));
      const load = async (): Promise<void> => {
        let versions: StagedVersion[];
        try {
          versions = stream.toVersions(response, partition);
        } catch (error) {
          rejected += 1;
          return recordReject(ctx, stream.name, key, errorMessage(error), response);
        }
        rowsLoaded += await commitVersions(ctx, stream.name, key, versions, stream.nextCursor(response, partition));
      };
      writes = writes.then(load);
      await writes;
    }
    done += 1;
    if (done % progressEvery === 0 || done === partitions.length) {
      ctx.log.info({ stream: stream.name, done, of: partitions.length }, 'progress');
    }
  };

  const queue = [...partitions];
  const workers = Array.from({ length: Math.min(ctx.settings.concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await process(next);
  });
  await Promise.all(workers);
  ctx.log.info({ stream: stream.name, partitions: partitions.length, rowsLoaded, rejected }, 'stream done');
  return { stream: stream.name, rowsLoaded, rejected };
}
