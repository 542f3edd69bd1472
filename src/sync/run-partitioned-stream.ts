import { invalidReason } from '../errors.js';
import type { PartitionedStream, StagedVersion, StreamContext, StreamResult, Window } from '../streams/stream.js';
import { commitVersions, loadCursors, recordReject } from './loader.js';

/**
 * One Orb call per partition, `concurrency` in flight; each partition's changed rows and its
 * new cursor commit together. Loads are serialised: one writer, in completion order.
 */
export async function runPartitionedStream<P, Unit>(ctx: StreamContext, stream: PartitionedStream<P, Unit>): Promise<StreamResult> {
  const cursors = await loadCursors(ctx, stream.name);
  const partitions = await stream.partitions(ctx);
  let rowsLoaded = 0;
  let rejected = 0;
  let done = 0;
  let writes = Promise.resolve();
  const progressEvery = Math.max(1, Math.ceil(partitions.length / 20));

  const process = async (partition: P): Promise<void> => {
    const key = stream.partitionKey(partition);
    const cursor = cursors.get(key);
    const window = stream.window(partition, cursor, ctx);
    if (window) {
      const label = `${stream.name} ${key}`;
      const units = stream.units(await read(ctx, stream, label, partition, window));
      const load = async (): Promise<void> => {
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
        rowsLoaded += await commitVersions(ctx, stream.name, key, versions, next);
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

/** What a partition's window holds: one checked response, or every page's items together. */
async function read<P, Unit>(ctx: StreamContext, stream: PartitionedStream<P, Unit>, label: string, partition: P, window: Window): Promise<unknown> {
  const { read: how } = stream;
  if (how.kind === 'call') return (await ctx.api.call(stream.endpoint, label, (orb) => how.fetch(orb, partition, window), how.envelope)).data;
  const items: unknown[] = [];
  for await (const page of ctx.api.pages(stream.endpoint, label, (orb) => how.list(orb, partition, window))) items.push(...page);
  return items;
}
