import type Orb from 'orb-billing';
import { z } from 'zod';
import type { Page } from '../orb/orb-api.js';
import { RAW_EVENT_VOLUME_HOURS } from '../schema/staging.js';
import { instant } from './fields.js';
import { nextWatermark, orbHour, readWatermark, version, type PartitionedStream, type Window } from './stream.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const hourShape = z
  .object({ timeframe_start: instant, timeframe_end: instant, count: z.number().int().nonnegative() })
  .refine((h) => h.timeframe_start.getTime() % HOUR_MS === 0 && h.timeframe_end.getTime() - h.timeframe_start.getTime() === HOUR_MS, 'not one whole UTC hour');

/** The SDK types GET /events/volume as one response, but Orb pages it: next pages by `cursor`. */
async function volumePage(orb: Orb, { from, to }: Window, cursor?: string): Promise<Page<unknown>> {
  const query = { timeframe_start: from.toISOString(), timeframe_end: to.toISOString(), limit: 100, ...(cursor ? { cursor } : {}) };
  const page = (await orb.events.volume.list(query)) as unknown as Omit<Page<unknown>, 'getNextPage'>;
  return { ...page, getNextPage: () => volumePage(orb, { from, to }, page.pagination_metadata.next_cursor ?? undefined) };
}

/**
 * The account's event count per UTC hour (GET /events/volume), read up to Orb's current hour from
 * a watermark; every sync reads the last `volumeRereadDays` again (late events land in past
 * hours, backfills change them). First sync: from the start date, else `volumeDays` back. A
 * backfill's restatement reads its timeframe's hours again.
 */
export const eventVolumeStream: PartitionedStream<'account', z.output<typeof hourShape>> = {
  kind: 'partitioned',
  name: 'event_volume',
  endpoint: 'default',
  restates: true,
  // A restatement reads volume only for a backfill's timeframe.
  partitions: async (ctx) => (ctx.reread && !ctx.rereadHours ? [] : ['account']),
  partitionKey: () => '*',
  window: (_account, cursorText, ctx) => {
    const cursor = readWatermark(cursorText);
    const to = orbHour(ctx);
    if (ctx.rereadHours) {
      // Only hours already read: a restatement rebuilds history, it does not extend it.
      if (!cursor) return null;
      const from = new Date(Math.max(Math.floor(ctx.rereadHours.from.getTime() / HOUR_MS) * HOUR_MS, Date.parse(cursor.from)));
      const end = new Date(Math.min(Math.ceil(ctx.rereadHours.to.getTime() / HOUR_MS) * HOUR_MS, Date.parse(cursor.end)));
      return from < end ? { from, to: end } : null;
    }
    const { startDate, volumeDays, volumeRereadDays } = ctx.settings;
    const earliest = startDate ? new Date(`${startDate}T00:00:00Z`) : undefined;
    let from: Date;
    if (!cursor) from = earliest ?? new Date(to.getTime() - volumeDays * DAY_MS);
    else if (earliest && earliest < new Date(cursor.from)) from = earliest; // an earlier start date extends the history
    else from = new Date(Math.max(Date.parse(cursor.end) - volumeRereadDays * DAY_MS, earliest?.getTime() ?? -Infinity));
    return from < to ? { from, to } : null;
  },
  read: { kind: 'pages', list: (orb, _account, window) => volumePage(orb, window) },
  units: (hours: unknown[]) => hours,
  parse: (unit) => hourShape.parse(unit),
  describe: (unit) => `hour ${String((unit as { timeframe_start?: unknown } | undefined)?.timeframe_start ?? '?')}`,
  toVersions: (h) => [version(RAW_EVENT_VOLUME_HOURS, { hour: h.timeframe_start, event_count: String(h.count) })],
  // A restatement's re-read of older hours leaves the watermark where it was.
  nextCursor: (accepted, _account, window, cursorText, ctx) =>
    ctx.rereadHours ? undefined : nextWatermark(accepted.at(-1)?.timeframe_end, window, cursorText),
};
