import { z } from 'zod';
import { RAW_SUBSCRIPTION_SCHEDULE_ITEMS, RAW_SUBSCRIPTION_SCHEDULES } from '../schema/staging.js';
import { addDays, localDate, startOfLocalDay } from '../util/time-zone.js';
import { instant } from './fields.js';
import { childRows, version, type PartitionedStream } from './stream.js';

interface SchedulePartition {
  subscription_id: string;
  customer_timezone: string;
  status: string;
  load_id: string;
}

/** The subscription version the schedule was last read for, and when. */
interface ScheduleCursor {
  subscriptionLoadId: string;
  readAt: string;
}

const DAY_MS = 86_400_000;

const itemShape = z.object({
  start_date: instant,
  end_date: instant.nullable(),
  plan: z.object({ id: z.string().min(1) }).loose(),
});

/** The first customer-local day whose midnight falls at or after `at`: the first day it rules. */
function firstDayFrom(at: Date, timezone: string): string {
  const day = localDate(at, timezone);
  return startOfLocalDay(day, timezone) < at ? addDays(day, 1) : day;
}

/**
 * Each subscription's plans over time (GET /subscriptions/{id}/schedule, paged), read for a
 * subscription that is new or changed since, and for every non-ended one once a day (a scheduled
 * change appears without a change to the subscription). The whole schedule is one unit.
 */
export const subscriptionSchedulesStream: PartitionedStream<SchedulePartition, z.output<typeof itemShape>[]> = {
  kind: 'partitioned',
  name: 'subscription_schedules',
  endpoint: 'default',
  partitions: (ctx) =>
    ctx.destination.db
      .selectFrom('raw_subscriptions_latest')
      .select(['subscription_id', 'customer_timezone', 'status', 'load_id'])
      .orderBy('subscription_id')
      .execute(),
  partitionKey: (s) => s.subscription_id,
  window: (s, cursorText, ctx) => {
    const now = ctx.api.now();
    const cursor = cursorText ? (JSON.parse(cursorText) as ScheduleCursor) : undefined;
    const fresh = cursor && cursor.subscriptionLoadId === s.load_id && (s.status === 'ended' || now.getTime() - Date.parse(cursor.readAt) < DAY_MS);
    return fresh ? null : { from: new Date(0), to: now };
  },
  read: { kind: 'pages', list: (orb, s) => orb.subscriptions.fetchSchedule(s.subscription_id, { limit: 100 }) },
  units: (items: unknown[]) => [items],
  parse: (items) => z.array(itemShape).parse(items),
  describe: () => 'schedule',
  toVersions: (items, s) => [
    version(
      RAW_SUBSCRIPTION_SCHEDULES,
      { subscription_id: s.subscription_id },
      childRows(
        RAW_SUBSCRIPTION_SCHEDULE_ITEMS,
        items.map((item) => ({
          subscription_id: s.subscription_id,
          plan_id: item.plan.id,
          start_date: item.start_date,
          end_date: item.end_date,
          first_day: firstDayFrom(item.start_date, s.customer_timezone),
          end_day: item.end_date ? firstDayFrom(item.end_date, s.customer_timezone) : null,
        })),
      ),
    ),
  ],
  nextCursor: (accepted, s, window) =>
    accepted.length > 0 ? JSON.stringify({ subscriptionLoadId: s.load_id, readAt: window.to.toISOString() } satisfies ScheduleCursor) : undefined,
};
