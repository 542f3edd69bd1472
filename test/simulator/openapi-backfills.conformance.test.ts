/**
 * Backfill and ingestion responses validate against Orb's published OpenAPI schemas, and the
 * simulator accepts exactly the request bodies those schemas accept (loaded at test time).
 */
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/simulator/events.js';
import { account, DAY_MS, iso, NOW_MS, pick, SHAPE } from './event-changes.js';
import { start } from './helpers.js';
import { validatorFor } from './openapi.js';

const customer = account.customers[0]!;
const window = (daysBack: number) => ({ timeframe_start: iso(NOW_MS - daysBack * DAY_MS), timeframe_end: iso(NOW_MS - (daysBack - 1) * DAY_MS) });

function liveEvent(key: string) {
  const { customer: c, metric } = pick('UTC', 'Growth', NOW_MS);
  return { idempotency_key: key, customer_id: c.id, event_name: metric.eventName, timestamp: iso(NOW_MS - HOUR_MS), properties: { [metric.property]: 2 } };
}

describe('backfill and ingestion responses match the Orb OpenAPI schemas', () => {
  it('a Backfill in every status, customer-scoped and account-wide, and Backfills pages', async () => {
    const { client, get } = await start(SHAPE);
    const validate = validatorFor('Backfill');
    const seen = new Set<string>();
    const check = (backfill: { status: string }) => {
      expect(validate(backfill)).toEqual([]);
      seen.add(backfill.status);
    };
    const scoped = await client.events.backfills.create({ ...window(10), customer_id: customer.id });
    check(scoped);
    await client.events.ingest({ events: [{ ...liveEvent('bf'), customer_id: customer.id, timestamp: window(10).timeframe_start }], backfill_id: scoped.id });
    check(await client.events.backfills.close(scoped.id));
    check(await client.events.backfills.fetch(scoped.id));
    check(await client.events.backfills.revert(scoped.id));
    check(await client.events.backfills.fetch(scoped.id));
    const wide = await client.events.backfills.create({ ...window(20), replace_existing_events: false, close_time: iso(NOW_MS + HOUR_MS) });
    check(wide);
    check(await client.events.backfills.revert(wide.id)); // never closed: reverted at once
    expect(seen).toEqual(new Set(['pending', 'reflected', 'pending_revert', 'reverted']));

    const pages = validatorFor('Backfills');
    const first = await get('/v1/events/backfills?limit=1');
    expect(first.body.pagination_metadata.next_cursor).toEqual(expect.any(String));
    expect(pages(first.body)).toEqual([]);
    const last = await get(`/v1/events/backfills?limit=1&cursor=${first.body.pagination_metadata.next_cursor}`);
    expect(last.body.pagination_metadata).toEqual({ has_more: false, next_cursor: null });
    expect(pages(last.body)).toEqual([]);
  });

  it('an ingestion is a valid IngestionResponse, live and into a backfill', async () => {
    const { client, post } = await start(SHAPE);
    const validate = validatorFor('IngestionResponse');
    const live = await post('/v1/ingest', { events: [liveEvent('live')] });
    expect(live.status).toBe(200);
    expect(validate(live.body)).toEqual([]);
    const backfill = await client.events.backfills.create(window(10));
    const backfilled = await post(`/v1/ingest?backfill_id=${backfill.id}`, { events: [{ ...liveEvent('old'), timestamp: window(10).timeframe_start }] });
    expect(backfilled.body).toEqual({ validation_failed: [] });
    expect(validate(backfilled.body)).toEqual([]);
  });

  it('errors are valid 400 and 404 bodies of the documented kinds', async () => {
    // Reflection waits long enough for the closed backfill to stay pending throughout.
    const { client, get, post } = await start({ ...SHAPE, backfillReflection: { requests: 100 } });
    const errors400 = validatorFor('400Error');
    const errors404 = validatorFor('404Error');
    const kind = (name: string) => `https://docs.withorb.com/reference/error-responses#${name}`;
    const pending = await client.events.backfills.create(window(10));
    await client.events.backfills.close(pending.id);
    const bad: [() => Promise<{ status: number; body: any }>, string][] = [
      [() => post('/v1/events/backfills', { timeframe_start: 'soon' }), '400-request-validation-errors'],
      [() => post('/v1/events/backfills', window(10)), '400-constraint-violation'], // overlaps the pending one
      [() => post(`/v1/events/backfills/${pending.id}/close`), '400-constraint-violation'],
      [() => post('/v1/ingest', { events: [{ ...liveEvent('x'), properties: [] }] }), '400-request-validation-errors'],
      [() => post('/v1/ingest', { events: [{ ...liveEvent('old'), timestamp: iso(NOW_MS - DAY_MS) }] }), '400-request-validation-errors'],
      [() => get('/v1/events/backfills/bf_missing'), '404-resource-not-found'],
      [() => post('/v1/events/backfills/bf_missing/revert'), '404-resource-not-found'],
      [() => post('/v1/events/backfills', { ...window(40), customer_id: 'cus_missing' }), '404-resource-not-found'],
      [() => post('/v1/ingest?backfill_id=bf_missing', { events: [liveEvent('y')] }), '404-resource-not-found'],
    ];
    for (const [request, type] of bad) {
      const { status, body } = await request();
      expect(body.type, JSON.stringify(body)).toBe(kind(type));
      expect(body.status).toBe(status);
      expect((status === 400 ? errors400 : errors404)(body)).toEqual([]);
    }
  });
});

describe('request bodies: the simulator accepts exactly what the schemas accept', () => {
  it('NewBackfill', async () => {
    const { client, post } = await start(SHAPE);
    const schema = validatorFor('NewBackfill');
    const base = window(10);
    const bodies: unknown[] = [
      base,
      { ...base, replace_existing_events: false, close_time: null, customer_id: null, external_customer_id: customer.externalId },
      { ...base, customer_id: customer.id, close_time: iso(NOW_MS + HOUR_MS), deprecation_filter: null },
      { ...base, timeframe_start: '2025-03-05T00:00:00.123+05:30' },
      { timeframe_start: base.timeframe_start },
      { ...base, timeframe_end: 'tomorrow' },
      { ...base, timeframe_end: '2025-03-06' },
      { ...base, close_time: 5 },
      { ...base, replace_existing_events: 'false' },
      { ...base, replace_existing_events: null },
      { ...base, customer_id: 3 },
      { ...base, scope: 'all' },
      [base],
    ];
    for (const body of bodies) {
      const response = await post('/v1/events/backfills', body);
      expect(response.status, JSON.stringify(body)).toBe(schema(body).length === 0 ? 200 : 400);
      if (response.status === 200) await client.events.backfills.revert(response.body.id); // out of the next one's way
    }
  });

  it('IngestRequestBody', async () => {
    const { post } = await start(SHAPE);
    const schema = validatorFor('IngestRequestBody');
    const event = liveEvent('e');
    const bodies: unknown[] = [
      { events: [] },
      { events: [event] },
      { events: [{ ...event, external_customer_id: null, properties: {} }] },
      { events: [{ ...event, properties: { s: 'x', n: 1.5, b: true } }] },
      {},
      { events: event },
      { events: [event], extra: 1 },
      { events: [{ ...event, event_name: null }] },
      { events: [{ ...event, properties: null }] },
      { events: [{ ...event, timestamp: 1741000000 }] },
      { events: [{ ...event, timestamp: 'yesterday' }] },
      { events: [{ ...event, idempotency_key: 12 }] },
      { events: [{ ...event, customer_id: 12 }] },
      { events: [{ ...event, note: 'x' }] },
    ];
    for (const body of bodies) {
      const response = await post('/v1/ingest', body);
      expect(response.status, JSON.stringify(body)).toBe(schema(body).length === 0 ? 200 : 400);
    }
  });
});
