/**
 * GET /events/volume (hourly event counts, cursor-paged) and POST /events/search (events by id).
 * Both read through the shared event queries, so late and deprecated events count as in costs.
 */
import { HOUR_MS } from '../events.js';
import { constraintViolation, requestValidationError } from '../orb-errors.js';
import { iso } from '../shapes.js';
import { findEvents, hourlyVolume, type FoundEvent } from '../usage.js';
import { readBody, rejectProblems } from './body.js';
import type { RouteContext } from './context.js';
import { paginate, type Ordering } from './pagination.js';
import { optionalInstant } from './query.js';

const WEEK_MS = 7 * 24 * HOUR_MS;
const MAX_SEARCH_IDS = 500;
const SEARCH_KEYS = ['event_ids', 'timeframe_start', 'timeframe_end'];

function requireOrder(from: Date, to: Date): void {
  if (from.getTime() > to.getTime()) throw constraintViolation('timeframe_start must not be after timeframe_end');
}

/** The UTC hours (their starts, ms) touching [from, to): the hours `from` and a non-aligned `to` fall in count. */
function* hoursTouching(from: Date, to: Date): Generator<number> {
  const end = Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS;
  for (let hour = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) yield hour;
}

const ascendingHours: Ordering<number> = {
  key: (hour) => [hour],
  after: (hour, [cursor]) => hour > (cursor as number),
};

export function fetchEventVolume(ctx: RouteContext, query: URLSearchParams): unknown {
  const from = optionalInstant(query, 'timeframe_start');
  if (from === null) throw requestValidationError('timeframe_start: field required');
  const to = optionalInstant(query, 'timeframe_end') ?? ctx.now;
  requireOrder(from, to);
  // Hours are cheap numbers; only the page's hours are counted.
  return paginate(hoursTouching(from, to), query, ascendingHours, 1, (hour) => ({
    count: hourlyVolume(ctx.state, hour, ctx.now.getTime()),
    timeframe_start: iso(new Date(hour)),
    timeframe_end: iso(new Date(hour + HOUR_MS)),
  }));
}

interface SearchCriteria {
  readonly ids: string[];
  readonly from: Date;
  readonly to: Date;
}

/** EventSearchCriteria: 1..500 string ids, optional bounds (default the last week), nothing else. */
function searchCriteria(body: unknown, now: Date): SearchCriteria {
  const problems: string[] = [];
  const fields = readBody(body, SEARCH_KEYS, problems);
  const ids = fields.array('event_ids', true);
  if (ids !== null && (ids.length < 1 || ids.length > MAX_SEARCH_IDS || !ids.every((id) => typeof id === 'string'))) {
    fields.problem('event_ids', `must be an array of 1 to ${MAX_SEARCH_IDS} strings`);
  }
  const from = fields.dateTime('timeframe_start') ?? new Date(now.getTime() - WEEK_MS);
  const to = fields.dateTime('timeframe_end') ?? now;
  rejectProblems(problems);
  requireOrder(from, to);
  return { ids: ids as string[], from, to };
}

function eventJson({ event, deprecated }: FoundEvent): unknown {
  return {
    id: event.id,
    customer_id: event.customer?.id ?? null,
    external_customer_id: event.externalCustomerId,
    event_name: event.eventName,
    properties: event.properties,
    timestamp: iso(new Date(event.timestamp)),
    deprecated,
  };
}

export function searchEvents(ctx: RouteContext, body: unknown): unknown {
  const { ids, from, to } = searchCriteria(body, ctx.now);
  const found = findEvents(ctx.state, ids, from.getTime(), to.getTime(), ctx.now.getTime());
  // In the order the ids were asked for.
  const position = new Map(ids.map((id, i) => [id, i]));
  const rank = ({ event }: FoundEvent) => position.get(event.id)!;
  return { data: found.sort((a, b) => rank(a) - rank(b)).map(eventJson) };
}
