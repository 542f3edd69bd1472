import type { StreamContext, StreamResult } from './stream.js';
import { runListStream } from '../sync/run-list-stream.js';
import { runPartitionedStream } from '../sync/run-partitioned-stream.js';
import { subscriptionCostsStream } from './subscription-costs.js';
import { subscriptionsStream } from './subscriptions.js';

/** Every stream, in the order a sync runs them (costs read the subscriptions just loaded). */
export const STREAMS: ReadonlyArray<{ name: string; run: (ctx: StreamContext) => Promise<StreamResult> }> = [
  { name: subscriptionsStream.name, run: (ctx) => runListStream(ctx, subscriptionsStream) },
  { name: subscriptionCostsStream.name, run: (ctx) => runPartitionedStream(ctx, subscriptionCostsStream) },
];
