import type { BackfillListResponse } from 'orb-billing/resources/events/backfills';
import { z } from 'zod';
import { RAW_BACKFILLS } from '../schema/staging.js';
import { canonicalJson } from '../util/hash.js';
import { instant } from './fields.js';
import { version, type ListStream } from './stream.js';

const backfillShape = z.object({
  id: z.string().min(1),
  customer_id: z.string().nullable(),
  timeframe_start: instant,
  timeframe_end: instant,
  status: z.string().min(1), // a status Orb adds later loads too
  replace_existing_events: z.boolean(),
  created_at: instant,
  close_time: instant.nullable(),
  reverted_at: instant.nullable(),
});

/** The one status a backfill never leaves (a reflected one can still be reverted). */
const TERMINAL = 'reverted';

/**
 * Orb's event backfills (GET /events/backfills, newest first, no filter). Each status change is a
 * new version, committed with its page, so a transition to reflected or reverted is on record the
 * moment it is seen. Reading stops after a page that changed nothing and holds only reverted
 * backfills, once no older one stored is in a state it can still leave.
 */
export const backfillsStream: ListStream<BackfillListResponse> = {
  kind: 'list',
  name: 'backfills',
  endpoint: 'default',
  recordKey: (backfill) => backfill.id,
  list: (orb) => orb.events.backfills.list({ limit: 100 }),
  rereads: [],
  olderPagesSettled: async (page, ctx) => {
    const oldest = page.at(-1);
    if (!oldest || page.some((backfill) => backfill.status !== TERMINAL)) return false;
    const unsettled = await ctx.destination.db
      .selectFrom('raw_backfills_latest')
      .select('backfill_id')
      .where('status', '<>', TERMINAL)
      .where('created_at', '<=', oldest.created_at)
      .limit(1)
      .execute();
    return unsettled.length === 0;
  },
  toVersions: (raw) => {
    const b = backfillShape.parse(raw);
    return [
      version(RAW_BACKFILLS, {
        backfill_id: b.id,
        customer_id: b.customer_id,
        timeframe_start: b.timeframe_start,
        timeframe_end: b.timeframe_end,
        status: b.status,
        replace_existing_events: b.replace_existing_events,
        created_at: b.created_at,
        close_time: b.close_time,
        reverted_at: b.reverted_at,
        payload: canonicalJson(raw),
      }),
    ];
  },
};
