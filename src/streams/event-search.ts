import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { EventSearchResponse } from 'orb-billing/resources/events/events';
import { z } from 'zod';
import type { Destination } from '../destinations/destination.js';
import { UserError, errorMessage } from '../errors.js';
import { dataEnvelope } from '../orb/orb-api.js';
import { RAW_EVENT_SEARCH_RESULTS } from '../schema/staging.js';
import { instant } from './fields.js';
import { version, type PartitionedStream, type StreamContext, type Window } from './stream.js';

const HOUR_MS = 3_600_000;
/** Orb's EventSearchCriteria takes 1 to 500 event_ids. */
const MAX_IDS = 500;
/** The span Orb searches by default; the spec sets no maximum, so no search asks for more. */
const WEEK_MS = 7 * 24 * HOUR_MS;
/** Around a given timestamp, so one a little off (rounded, from another clock) is still covered. */
const MARGIN_MS = HOUR_MS;

export interface EventSearchRequest {
  readonly event_id: string;
  readonly timestamp: Date | null;
}

/**
 * An --event-ids file: one event id per line, or `id,timestamp` (ISO 8601 with an offset). Blank
 * lines are ignored, a repeated id is taken once; a malformed line is one error naming it.
 */
export function parseEventIds(text: string, source: string): EventSearchRequest[] {
  const requests = new Map<string, { request: EventSearchRequest; line: number }>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    const [id = '', stamp] = raw.split(/,(.*)/s).map((part) => part.trim());
    if (id === '') throw new UserError(`${source} line ${line}: no event id`);
    if (stamp !== undefined && !z.iso.datetime({ offset: true }).safeParse(stamp).success) {
      throw new UserError(`${source} line ${line}: malformed timestamp ${JSON.stringify(stamp)}; expected ISO 8601 with an offset, like 2026-03-01T12:00:00Z`);
    }
    const timestamp = stamp === undefined ? null : new Date(stamp);
    const earlier = requests.get(id);
    if (earlier?.request.timestamp && timestamp && earlier.request.timestamp.getTime() !== timestamp.getTime()) {
      throw new UserError(`${source} line ${line}: event ${id} was given another timestamp on line ${earlier.line}`);
    }
    // The first line of an id, or the first to give it a timestamp.
    if (!earlier || (timestamp && !earlier.request.timestamp)) requests.set(id, { request: { event_id: id, timestamp }, line });
  }
  return [...requests.values()].map(({ request }) => request);
}

export function readEventIdsFile(path: string): EventSearchRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read --event-ids file ${path}: ${errorMessage(error)}`);
  }
  return parseEventIds(text, path);
}

/** Adds the ids to event_search_requests as asked now: new ones, and known ones asked again. */
export async function requestEventSearches(destination: Destination, requests: readonly EventSearchRequest[]): Promise<void> {
  const requestedAt = new Date();
  await destination.transaction(async ({ db }) => {
    for (let i = 0; i < requests.length; i += MAX_IDS) {
      await db
        .insertInto('event_search_requests')
        .values(requests.slice(i, i + MAX_IDS).map((r) => ({ event_id: r.event_id, timestamp: r.timestamp, requested_at: requestedAt })))
        .onConflict((conflict) =>
          conflict.column('event_id').doUpdateSet((eb) => ({ timestamp: eb.ref('excluded.timestamp'), requested_at: eb.ref('excluded.requested_at') })),
        )
        .execute();
    }
  });
}

/** Up to 500 ids, searched over a window covering their timestamps, or (none given) Orb's last 7 days. */
interface SearchBatch {
  readonly key: string;
  readonly ids: readonly string[];
  readonly window?: Window;
}

/**
 * Ids still to check: never checked, asked again since (requested_at moved past the last check),
 * or missing and requested less than `eventRecheckHours` ago (an event can arrive late). Both
 * times are this machine's and the database's clock, the one users set requested_at with.
 */
async function pendingBatches(ctx: StreamContext): Promise<SearchBatch[]> {
  const recheckSince = new Date(Date.now() - ctx.settings.eventRecheckHours * HOUR_MS);
  const { rows } = await sql<{ event_id: string; timestamp: string | null }>`
    select r.event_id, r.timestamp from event_search_requests r
    left join raw_event_search_results_latest l on l.event_id = r.event_id
    where l.event_id is null or l.checked_at < r.requested_at or (l.status = 'missing' and r.requested_at > ${recheckSince})
    order by r.timestamp, r.event_id`.execute(ctx.destination.db);
  const batches: Array<{ ids: string[]; window?: { from: number; to: number } }> = [];
  for (const { event_id, timestamp } of rows) {
    const at = timestamp === null ? undefined : Date.parse(timestamp);
    const last = batches.at(-1);
    const fits = last && last.ids.length < MAX_IDS && (at === undefined ? !last.window : last.window && at + MARGIN_MS - last.window.from <= WEEK_MS);
    if (fits) {
      last.ids.push(event_id);
      if (last.window) last.window.to = at! + MARGIN_MS;
    } else {
      batches.push({ ids: [event_id], window: at === undefined ? undefined : { from: at - MARGIN_MS, to: at + MARGIN_MS } });
    }
  }
  return batches.map(({ ids, window }, i) => ({
    key: `batch ${i + 1} of ${batches.length}`,
    ids,
    window: window && { from: new Date(window.from), to: new Date(window.to) },
  }));
}

const eventShape = z.object({
  customer_id: z.string().nullable(),
  external_customer_id: z.string().nullable(),
  event_name: z.string(),
  timestamp: instant,
  deprecated: z.boolean(),
});

/** A requested id and what the search returned for it (null: nothing), at `checked_at`. */
interface Lookup {
  event_id: string;
  event: unknown;
  checked_at: Date;
}

/**
 * Reconciliation of the user's event ids (event_search_requests) with Orb: POST /events/search
 * per batch; each id is one unit, found, deprecated (replaced by a backfill) or missing.
 */
export const eventSearchStream: PartitionedStream<SearchBatch, { event_id: string; status: string; checked_at: Date } & Partial<z.output<typeof eventShape>>> = {
  kind: 'partitioned',
  name: 'event_search',
  endpoint: 'default',
  partitions: pendingBatches,
  partitionKey: (batch) => batch.key,
  window: (batch, _cursor, ctx) => batch.window ?? { from: new Date(ctx.api.now().getTime() - WEEK_MS), to: ctx.api.now() },
  read: {
    kind: 'call',
    fetch: (orb, batch) =>
      orb.events.search({
        event_ids: [...batch.ids],
        ...(batch.window ? { timeframe_start: batch.window.from.toISOString(), timeframe_end: batch.window.to.toISOString() } : {}),
      }),
    envelope: dataEnvelope,
  },
  units: (response: EventSearchResponse, batch): Lookup[] => {
    const found = new Map(response.data.map((event) => [(event as { id?: unknown } | null)?.id, event]));
    const checkedAt = new Date();
    return batch.ids.map((id) => ({ event_id: id, event: found.get(id) ?? null, checked_at: checkedAt }));
  },
  parse: (unit) => {
    const { event_id, event, checked_at } = unit as Lookup;
    if (event === null) return { event_id, status: 'missing', checked_at };
    const found = eventShape.parse(event);
    return { event_id, status: found.deprecated ? 'deprecated' : 'found', checked_at, ...found };
  },
  describe: (unit) => `event ${String((unit as Partial<Lookup> | undefined)?.event_id ?? '?')}`,
  toVersions: (r) => [
    version(RAW_EVENT_SEARCH_RESULTS, {
      event_id: r.event_id,
      status: r.status,
      customer_id: r.customer_id ?? null,
      external_customer_id: r.external_customer_id ?? null,
      event_name: r.event_name ?? null,
      timestamp: r.timestamp ?? null,
      checked_at: r.checked_at,
    }),
  ],
  // What is still to check follows from the results themselves (see pendingBatches).
  nextCursor: () => undefined,
};
