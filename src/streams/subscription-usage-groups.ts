import { z } from 'zod';
import { PaginationError } from '../orb/orb-api.js';
import { RAW_SUBSCRIPTION_USAGE_GROUP_DAYS, RAW_SUBSCRIPTION_USAGE_GROUPS } from '../schema/staging.js';
import { childRows, nextWatermark, rereadOnly, version, type PartitionedStream, type SubscriptionPartition } from './stream.js';
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

/** A subscription, one metric it bills and the event property its usage is split by. */
interface GroupPartition extends SubscriptionPartition {
  billable_metric_id: string;
  group_key: string;
}

const groupShape = z.object({ metric_group: z.object({ property_value: z.string() }) });

/** Zero is not usage: Orb lists a value with zeros on every day of the timeframe once it has usage on one. */
const isZero = (amount: string) => /^-?0(\.0*)?$/.test(amount);

/**
 * Usage of each metric in `usageGroupBy`, per value of its property, per customer-local day: one
 * call per subscription and configured metric it bills (known from its ungrouped usage, read first).
 */
export const subscriptionUsageGroupsStream: PartitionedStream<GroupPartition, UsageDay<z.output<typeof groupShape>>> = {
  kind: 'partitioned',
  name: 'subscription_usage_groups',
  endpoint: 'analytics',
  restates: true,
  partitions: async (ctx) => {
    const groupBy = ctx.settings.usageGroupBy;
    const metrics = Object.keys(groupBy);
    if (metrics.length === 0) return [];
    const billed = await ctx.destination.db
      .selectFrom('raw_subscriptions_latest as s')
      .innerJoin('raw_subscription_usage_latest as u', 'u.subscription_id', 's.subscription_id')
      .select(['s.subscription_id', 's.customer_timezone', 's.start_date', 's.end_date', 'u.billable_metric_id'])
      .where('u.billable_metric_id', 'in', metrics)
      .distinct()
      .orderBy('s.subscription_id')
      .orderBy('u.billable_metric_id')
      .execute();
    return rereadOnly(billed, ctx).map((s) => ({ ...s, group_key: groupBy[s.billable_metric_id]! }));
  },
  // The property is part of the key: grouping by another one reads its history afresh.
  partitionKey: (s) => `${s.subscription_id}/${s.billable_metric_id}/${s.group_key}`,
  window: usageWindow,
  read: {
    kind: 'call',
    fetch: (orb, s, { from, to }) =>
      orb.subscriptions.fetchUsage(s.subscription_id, {
        timeframe_start: from.toISOString(),
        timeframe_end: to.toISOString(),
        granularity: 'day',
        view_mode: 'periodic',
        billable_metric_id: s.billable_metric_id,
        group_by: s.group_key,
      }),
    envelope: usageEnvelope,
  },
  units: (body: UsageBody & { pagination_metadata?: { has_more?: boolean } | null }, s, window) => {
    // The SDK cannot ask for the next page, and a partial list of groups would undercount: the
    // partition is rejected (its cursor stays), the other subscriptions and streams go on.
    if (body.pagination_metadata?.has_more) {
      throw new PaginationError(
        `subscription ${s.subscription_id}: Orb pages usage of ${s.billable_metric_id} by ${s.group_key} (over 1000 groups), which orb-sync cannot follow; not loaded`,
      );
    }
    return usageDays(body, s.customer_timezone, window);
  },
  parse: (unit) => parseUsageDay(unit as RawUsageDay, groupShape, (group) => group.metric_group.property_value),
  describe: describeUsageDay,
  toVersions: (d, s) => {
    const key = { subscription_id: s.subscription_id, billable_metric_id: s.billable_metric_id, group_key: s.group_key, day: d.day };
    const groups = d.series
      .filter(({ quantity }) => !isZero(quantity))
      .map(({ record, quantity }) => ({ ...key, group_value: record.metric_group.property_value, quantity }))
      .sort((a, b) => (a.group_value < b.group_value ? -1 : 1));
    return [
      version(
        RAW_SUBSCRIPTION_USAGE_GROUP_DAYS,
        { ...key, timeframe_start: d.timeframe_start, timeframe_end: d.timeframe_end },
        childRows(RAW_SUBSCRIPTION_USAGE_GROUPS, groups),
      ),
    ];
  },
  // A restatement's re-read of older days leaves the watermark where it was.
  nextCursor: (accepted, _s, window, cursorText, ctx) => (ctx.reread ? undefined : nextWatermark(accepted.at(-1)?.timeframe_end, window, cursorText)),
};
