/**
 * POST /events/search: the generated events, regenerated here from the same seed, are found by id
 * with their customer, timestamp and properties, within the searched timeframe, once ingested.
 */
import { describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { HOUR_MS, hourlyEvents, type UsageEvent } from '../../src/simulator/events.js';
import { NOW, start, type Running } from './helpers.js';

const SHAPE = { seed: 1, customers: 12, subscriptions: 30, days: 120 };
const now = Date.parse(NOW);

/** Every generated event (visible or not) with a timestamp in [from, to). */
function generated(from: number, to: number): UsageEvent[] {
  const account = generateAccount({ ...SHAPE, now: new Date(NOW) });
  const events = [];
  for (const customer of account.customers) {
    for (const metric of account.catalogue.metrics) {
      for (let hour = from; hour < to; hour += HOUR_MS) events.push(...hourlyEvents(account, customer, metric, hour));
    }
  }
  return events;
}

async function search(r: Running, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${r.url}/v1/events/search`, {
    method: 'POST',
    headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('event search', () => {
  it('finds ingested events by id with their customer, name, timestamp and properties, in the order asked', async () => {
    const r = await start(SHAPE);
    const recent = generated(now - 48 * HOUR_MS, now).filter((e) => e.ingestedAt <= now);
    const wanted = recent.filter((_, i) => i % 7 === 0).reverse();
    expect(wanted.length).toBeGreaterThan(50);
    const { status, body } = await search(r, { event_ids: [...wanted.map((e) => e.id), 'evt_unknown'] });
    expect(status).toBe(200);
    expect(body.data).toEqual(
      wanted.map((e) => ({
        id: e.id,
        customer_id: e.customer!.id,
        external_customer_id: e.customer!.externalId,
        event_name: e.eventName,
        properties: e.properties,
        timestamp: iso(e.timestamp),
        deprecated: false,
      })),
    );
  });

  it('a late event is not found before it is ingested, and is once the clock passes its arrival', async () => {
    const r = await start(SHAPE);
    const late = generated(now - 6 * HOUR_MS, now).find((e) => e.ingestedAt > now)!;
    expect(late).toBeDefined();
    expect((await search(r, { event_ids: [late.id] })).body.data).toEqual([]);
    r.sim.clock.set(new Date(late.ingestedAt));
    expect((await search(r, { event_ids: [late.id] })).body.data.map((e: any) => e.id)).toEqual([late.id]);
  });

  it('by default only the last week is searched; an explicit timeframe finds older events', async () => {
    const r = await start(SHAPE);
    const old = generated(now - 10 * 24 * HOUR_MS, now - 10 * 24 * HOUR_MS + 6 * HOUR_MS)[0]!;
    expect((await search(r, { event_ids: [old.id] })).body.data).toEqual([]);
    const found = await search(r, { event_ids: [old.id], timeframe_start: '2025-03-01T00:00:00Z', timeframe_end: null });
    expect(found.body.data.map((e: any) => e.id)).toEqual([old.id]);
    const before = await search(r, { event_ids: [old.id], timeframe_start: '2025-03-01T00:00:00Z', timeframe_end: iso(old.timestamp) });
    expect(before.body.data).toEqual([]); // timeframe_end is exclusive
  });

  it('rejects 0 or 501 ids, non-string ids, unknown keys, bad timestamps and a missing body with a 400', async () => {
    const r = await start(SHAPE);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `evt_${i}`);
    expect((await search(r, { event_ids: ids(500) })).status).toBe(200);
    const bad = [
      { event_ids: [] },
      { event_ids: ids(501) },
      { event_ids: [42] },
      { event_ids: 'evt_1' },
      { event_ids: ['evt_1'], customer_id: 'cus_1' },
      { event_ids: ['evt_1'], timeframe_start: 'last week' },
      { event_ids: ['evt_1'], timeframe_start: NOW, timeframe_end: '2025-03-01T00:00:00Z' },
      {},
      ['evt_1'],
      undefined,
    ];
    for (const body of bad) {
      const response = await search(r, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.type).toMatch(/^https:\/\/docs\.withorb\.com\/reference\/error-responses#400-/);
    }
  });

  it('the SDK searches', async () => {
    const r = await start(SHAPE);
    const event = generated(now - 3 * HOUR_MS, now).find((e) => e.ingestedAt <= now)!;
    const response = await r.client.events.search({ event_ids: [event.id] });
    expect(response.data.map((e) => [e.id, e.customer_id, e.deprecated])).toEqual([[event.id, event.customer!.id, false]]);
  });
});
