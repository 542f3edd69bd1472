/**
 * POST /ingest: the body is shape-checked here (IngestRequestBody); what depends on the account
 * (customers, grace period, the backfill's timeframe and scope, idempotency) is the ledger's.
 */
import type { PropertyValue } from '../events.js';
import type { IncomingEvent } from '../ledger.js';
import { readBody, readObject, rejectProblems } from './body.js';
import type { RouteContext } from './context.js';

const BODY_KEYS = ['events'];
const EVENT_KEYS = ['customer_id', 'external_customer_id', 'event_name', 'timestamp', 'properties', 'idempotency_key'];

/** Orb's property values are strings, numbers or booleans: no nested objects, arrays or null. */
function hasScalarValues(properties: Record<string, unknown>, path: string, problems: string[]): properties is Record<string, PropertyValue> {
  const before = problems.length;
  for (const [key, value] of Object.entries(properties)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      problems.push(`${path}.${key}: must be a string, number or boolean, got ${JSON.stringify(value)}`);
    }
  }
  return problems.length === before;
}

function readEvent(value: unknown, index: number, problems: string[]): IncomingEvent | null {
  const path = `events[${index}]`;
  const fields = readObject(value, path, EVENT_KEYS, problems);
  if (!fields) return null;
  const idempotencyKey = fields.string('idempotency_key', true);
  const customerId = fields.string('customer_id');
  const externalCustomerId = fields.string('external_customer_id');
  const eventName = fields.string('event_name', true);
  const timestamp = fields.dateTime('timestamp', true);
  const properties = fields.object('properties', true);
  if (idempotencyKey === null || eventName === null || timestamp === null || properties === null) return null;
  if (!hasScalarValues(properties, `${path}.properties`, problems)) return null;
  return { idempotencyKey, customerId, externalCustomerId, eventName, timestamp, properties };
}

function readEvents(body: unknown): IncomingEvent[] {
  const problems: string[] = [];
  const items = readBody(body, BODY_KEYS, problems).array('events', true) ?? [];
  const events = items.flatMap((item, index) => readEvent(item, index, problems) ?? []);
  rejectProblems(problems);
  return events;
}

export function ingestEvents(ctx: RouteContext, query: URLSearchParams, body: unknown): unknown {
  ctx.ledger.ingest(readEvents(body), query.get('backfill_id') || null, ctx.now);
  // The spec's IngestionResponse has only `validation_failed` (no `debug`); on success it is always empty.
  return { validation_failed: [] };
}
