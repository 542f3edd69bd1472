/**
 * The event backfill routes: create, list, fetch, close and revert. The lifecycle and every state
 * rule live in the ledger; these routes read bodies and render Orb's Backfill object.
 */
import { exists, type CustomerRecord } from '../account.js';
import type { Backfill, NewBackfill } from '../ledger.js';
import { resourceNotFound } from '../orb-errors.js';
import { iso } from '../shapes.js';
import { readBody, rejectProblems } from './body.js';
import { findCustomer, type RouteContext } from './context.js';
import { newestFirst, paginate } from './pagination.js';

const NEW_BACKFILL_KEYS = [
  'replace_existing_events',
  'timeframe_start',
  'timeframe_end',
  'close_time',
  'customer_id',
  'external_customer_id',
  'deprecation_filter',
];

const ORDER = newestFirst<Backfill>();

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(new Date(ms)));

export function backfillJson(backfill: Backfill): unknown {
  return {
    id: backfill.id,
    status: backfill.status,
    created_at: iso(new Date(backfill.createdAt)),
    timeframe_start: iso(new Date(backfill.timeframeStart)),
    timeframe_end: iso(new Date(backfill.timeframeEnd)),
    events_ingested: backfill.events.length,
    close_time: iso(new Date(backfill.closeTime)),
    reverted_at: isoOrNull(backfill.revertedAt),
    customer_id: backfill.customer?.id ?? null,
    deprecation_filter: null,
    replace_existing_events: backfill.replaceExisting,
  };
}

function scopeCustomer(ctx: RouteContext, customerId: string | null, externalId: string | null): CustomerRecord | null {
  if (customerId !== null) return findCustomer(ctx, customerId);
  if (externalId === null) return null;
  const customer = ctx.account.customersByExternalId.get(externalId);
  if (!customer || !exists(customer, ctx.now)) throw resourceNotFound(`Customer with external_customer_id ${externalId} does not exist`);
  return customer;
}

function readNewBackfill(ctx: RouteContext, body: unknown): NewBackfill {
  const problems: string[] = [];
  const fields = readBody(body, NEW_BACKFILL_KEYS, problems);
  const timeframeStart = fields.dateTime('timeframe_start', true);
  const timeframeEnd = fields.dateTime('timeframe_end', true);
  const closeTime = fields.dateTime('close_time');
  const customerId = fields.string('customer_id');
  const externalId = fields.string('external_customer_id');
  const replaceExisting = fields.boolean('replace_existing_events') ?? true;
  // Computed-property filters are not modelled; accepting one would deprecate the wrong events.
  if (fields.string('deprecation_filter') !== null) fields.problem('deprecation_filter', 'is not supported by the simulator');
  if (customerId !== null && externalId !== null) problems.push('Specify at most one of customer_id and external_customer_id');
  rejectProblems(problems);
  return {
    // Both are required: a missing one was rejected above.
    timeframeStart: timeframeStart!,
    timeframeEnd: timeframeEnd!,
    closeTime,
    replaceExisting,
    customer: scopeCustomer(ctx, customerId, externalId),
  };
}

export function listBackfills(ctx: RouteContext, query: URLSearchParams): unknown {
  // Several backfills can share a created_at: sort by the cursor's full key so pages never skip one.
  const ordered = [...ctx.ledger.list()].sort((a, b) => (ORDER.after(a, ORDER.key(b)) ? 1 : -1));
  return paginate(ordered, query, ORDER, 2, backfillJson);
}

export function createBackfill(ctx: RouteContext, body: unknown): unknown {
  return backfillJson(ctx.ledger.create(readNewBackfill(ctx, body), ctx.now));
}

export function getBackfill(ctx: RouteContext, id: string): unknown {
  return backfillJson(ctx.ledger.get(id));
}

export function closeBackfill(ctx: RouteContext, id: string): unknown {
  return backfillJson(ctx.ledger.closeBackfill(id, ctx.now));
}

export function revertBackfill(ctx: RouteContext, id: string): unknown {
  return backfillJson(ctx.ledger.revert(id, ctx.now));
}
