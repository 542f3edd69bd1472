import { z } from 'zod';
import { RAW_SUBSCRIPTION_USAGE, RAW_SUBSCRIPTION_USAGE_DAYS } from '../schema/staging.js';
import { childRows, nextWatermark, subscriptionPartitions, version, type PartitionedStream, type SubscriptionPartition } from './stream.js';
import {
  describeUsageDay,
  parseUsageDay,
  usageDays,
  usageEnvelope,
  usageWindow,
  type RawUsageDay,
  type UsageBody,
  type UsageDay,
} from './usage-days.js';

const metricShape = z.object({ billable_metric: z.object({ id: z.string().min(1) }) });

/**
 * Each subscription's usage of every billable metric per customer-local day: one call per
 * subscription (GET /subscriptions/{id}/usage); a day with every metric's quantity is one unit.
 */
export const subscriptionUsageStream: PartitionedStream<SubscriptionPartition, UsageDay<z.output<typeof metricShape>>> = {
  kind: 'partitioned',
  name: 'subscription_usage',
  endpoint: 'analytics',
  restates: true,
  partitions: subscriptionPartitions,
  partitionKey: (s) => s.subscription_id,
  window: usageWindow,
  read: {
    kind: 'call',
    // Both explicit: the spec's defaults for them disagree with its prose.
    fetch: (orb, s, { from, to }) =>
      orb.subscriptions.fetchUsage(s.subscription_id, {
        timeframe_start: from.toISOString(),
        timeframe_end: to.toISOString(),
        granularity: 'day',
        view_mode: 'periodic',
      }),
    envelope: usageEnvelope,
  },
  units: (body: UsageBody, s, window) => usageDays(body, s.customer_timezone, window),
  parse: (unit) => parseUsageDay(unit as RawUsageDay, metricShape, (metric) => metric.billable_metric.id),
  describe: describeUsageDay,
  toVersions: (d, s) => [
    version(
      RAW_SUBSCRIPTION_USAGE_DAYS,
      { subscription_id: s.subscription_id, day: d.day, timeframe_start: d.timeframe_start, timeframe_end: d.timeframe_end },
      childRows(
        RAW_SUBSCRIPTION_USAGE,
        d.series
          .map(({ record, quantity }) => ({ subscription_id: s.subscription_id, day: d.day, billable_metric_id: record.billable_metric.id, quantity }))
          .sort((a, b) => (a.billable_metric_id < b.billable_metric_id ? -1 : 1)),
      ),
    ),
  ],
  // A restatement's re-read of older days leaves the watermark where it was.
  nextCursor: (accepted, _s, window, cursorText, ctx) => (ctx.reread ? undefined : nextWatermark(accepted.at(-1)?.timeframe_end, window, cursorText)),
};
