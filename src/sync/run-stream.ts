import type { Stream, StreamContext, StreamResult } from '../streams/stream.js';
import { runListStream } from './run-list-stream.js';
import { runPartitionedStream } from './run-partitioned-stream.js';

/** Runs a stream declaration by its kind. */
export function runStream(ctx: StreamContext, stream: Stream): Promise<StreamResult> {
  switch (stream.kind) {
    case 'list':
      return runListStream(ctx, stream);
    case 'partitioned':
      return runPartitionedStream(ctx, stream);
  }
}
