import type { Stream, StreamContext, StreamResult } from '../streams/stream.js';
import { runListStream } from './run-list-stream.js';
import { runPartitionedStream } from './run-partitioned-stream.js';
import { timed } from './run-summary.js';

/** Runs a stream declaration by its kind, timing it in the run's tally. */
export function runStream(ctx: StreamContext, stream: Stream): Promise<StreamResult> {
  return timed(ctx.tally, stream.name, () => (stream.kind === 'list' ? runListStream(ctx, stream) : runPartitionedStream(ctx, stream)));
}
