/**
 * POST /ingest: live events inside the grace period count at once and exactly once; Orb's
 * validation rules reject a batch as a whole; events sent to a backfill must fit its timeframe and
 * scope; event search reports ingested events and those a reflected backfill deprecated.
 */
import { describe, expect, it } from 'vitest';
import { HOUR_MS, hourlyEvents } from '../../src/simulator/events.js';
import { localDate, startOfLocalDay } from '../../src/util/time-zone.js';
import { account, expectExactlyItsScopeChanged, iso, NOW_MS, pick, SHAPE, snapshot, type Change, type IngestEvent } from './event-changes.js';
import { start, type Running } from './helpers.js';

const REQUEST_VALIDATION = 'https://docs.withorb.com/reference/error-responses#400-request-validation-errors';

/** Two events of a UTC Growth customer inside the grace period: one an hour ago, one on the previous day. */
function liveEvents(): IngestEvent[] {
  const { customer, metric } = pick('UTC', 'Growth', NOW_MS);
  return [
    { idempotency_key: 'live-1', customer_id: customer.id, event_name: metric.eventName, timestamp: iso(NOW_MS - HOUR_MS), properties: { [metric.property]: 17 } },
    {
      idempotency_key: 'live-2',
      external_customer_id: customer.externalId,
      event_name: metric.eventName,
      timestamp: iso(NOW_MS - 12 * HOUR_MS + 60_000),
      properties: { [metric.property]: 4.25, region: 'us-east-1' },
    },
  ];
}

/** Live ingestion is an addition for every customer over the grace window. */
const liveChange = (events: IngestEvent[]): Change => ({ from: NOW_MS - 12 * HOUR_MS, to: NOW_MS + 5 * 60_000, scope: null, replace: false, events });

async function rejected(r: Running, body: unknown, query = ''): Promise<any> {
  const response = await r.post(`/v1/ingest${query}`, body);
  expect(response.status, JSON.stringify(body)).toBe(400);
  return response.body;
}

describe('live events', () => {
  it('count at once in usage, volume and costs (truth and costs endpoint), and only once', async () => {
    const r = await start(SHAPE);
    const events = liveEvents();
    const before = snapshot(r);
    // A key repeated with the same body in one batch is a retry, not a second event.
    expect(await r.client.events.ingest({ events: [...events, events[0]!] })).toEqual({ validation_failed: [] });
    const after = snapshot(r);
    await expectExactlyItsScopeChanged(r, before, after, liveChange(events));

    expect(await r.client.events.ingest({ events })).toEqual({ validation_failed: [] });
    expect(snapshot(r)).toEqual(after);
  });

  it('count at once in the volume and usage endpoints', async () => {
    const r = await start(SHAPE);
    const [event] = liveEvents();
    const hour = iso(NOW_MS - HOUR_MS);
    const volume = async () => {
      const response = await r.get(`/v1/events/volume?timeframe_start=${hour}`);
      expect(response.status).toBe(200);
      return response.body.data.find((v: any) => v.timeframe_start === hour).count;
    };
    const subscription = r.sim.truth.subscriptions().find((s) => s.customer_id === event!.customer_id && s.status === 'active')!;
    const todaysUsage = async () => {
      const response = await r.get(`/v1/subscriptions/${subscription.id}/usage?granularity=day`);
      expect(response.status).toBe(200);
      return Object.fromEntries(response.body.data.map((m: any) => [m.billable_metric.id, m.usage.at(-1).quantity]));
    };
    const [volumeBefore, usageBefore] = [await volume(), await todaysUsage()];
    await r.client.events.ingest({ events: [event!] });
    expect(await volume()).toBe(volumeBefore + 1);
    const metric = pick('UTC', 'Growth', NOW_MS).metric;
    expect(await todaysUsage()).toEqual({ ...usageBefore, [metric.id]: usageBefore[metric.id] + 17 });
  });

  it('accept timestamps back to 12 hours ago and up to 5 minutes ahead; older or later ones fail the whole batch, naming the key', async () => {
    const r = await start(SHAPE);
    const [valid] = liveEvents();
    const before = snapshot(r);
    for (const [key, at] of [['too-old', NOW_MS - 12 * HOUR_MS - 1000], ['too-new', NOW_MS + 5 * 60_000 + 1000]] as const) {
      const body = await rejected(r, { events: [valid, { ...valid, idempotency_key: key, timestamp: iso(at) }] });
      expect(body.type).toBe(REQUEST_VALIDATION);
      expect(body.validation_errors).toEqual([expect.stringMatching(new RegExp(`^${key}: `))]);
    }
    expect(snapshot(r)).toEqual(before); // nothing of a rejected batch is kept, so its keys can be sent again
    const edges = [
      { ...valid!, idempotency_key: 'oldest', timestamp: iso(NOW_MS - 12 * HOUR_MS) },
      { ...valid!, idempotency_key: 'newest', timestamp: iso(NOW_MS + 5 * 60_000) },
    ];
    expect(await r.client.events.ingest({ events: [valid!, ...edges] })).toEqual({ validation_failed: [] });
    expect(snapshot(r)).not.toEqual(before);
  });

  it('reject unknown customer ids, both or neither customer id, and a key repeated with a different body', async () => {
    const r = await start(SHAPE);
    const [valid] = liveEvents();
    const { customer_id, external_customer_id: _, ...anonymous } = valid!;
    const cases: [IngestEvent[], string][] = [
      [[{ ...valid!, idempotency_key: 'who', customer_id: 'cus_missing' }], 'who: customer cus_missing does not exist'],
      [[{ ...anonymous, idempotency_key: 'both', customer_id, external_customer_id: 'ext-cus-0001' }], 'both: exactly one'],
      [[{ ...anonymous, idempotency_key: 'neither' }], 'neither: exactly one'],
      [[valid!, { ...valid!, properties: { other: 1 } }], 'live-1: the idempotency_key is repeated'],
    ];
    const before = snapshot(r);
    for (const [events, message] of cases) expect((await rejected(r, { events })).detail).toContain(message);
    expect(snapshot(r)).toEqual(before);
    // An external id no customer has yet is fine: Orb attributes such events to a later customer.
    expect((await r.post('/v1/ingest', { events: [{ ...anonymous, idempotency_key: 'future', external_customer_id: 'ext-not-yet' }] })).status).toBe(200);
  });

  it('reject bodies that do not match IngestRequestBody with a request validation error', async () => {
    const r = await start(SHAPE);
    const [valid] = liveEvents();
    const cases: [unknown, string][] = [
      [{}, 'events: field required'],
      [{ events: valid }, 'events: must be an array'],
      [{ events: [valid], debug: true }, 'debug: extra fields not permitted'],
      [{ events: ['live-1'] }, 'events[0]: must be an object'],
      [{ events: [{ ...valid, properties: undefined }] }, 'events[0].properties: field required'],
      [{ events: [{ ...valid, properties: { nested: { a: 1 } } }] }, 'events[0].properties.nested'],
      [{ events: [{ ...valid, properties: { list: [1] } }] }, 'events[0].properties.list'],
      [{ events: [{ ...valid, event_name: 7 }] }, 'events[0].event_name: must be a string'],
      [{ events: [{ ...valid, idempotency_key: null }] }, 'events[0].idempotency_key: field required'],
      [{ events: [{ ...valid, timestamp: '2025-03-15 09:00' }] }, 'events[0].timestamp'],
      [{ events: [{ ...valid, timestamp: '2025-03-15T09:00:00' }] }, 'events[0].timestamp'], // no zone
      [{ events: [{ ...valid, amount: 3 }] }, 'events[0].amount: extra fields not permitted'],
      ['[', 'not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const error = await rejected(r, body);
      expect(error.type).toBe(REQUEST_VALIDATION);
      expect(error.detail).toContain(message);
    }
    const several = await rejected(r, { events: [{ ...valid, event_name: 1 }, { ...valid, timestamp: 'now' }] });
    expect(several.validation_errors).toHaveLength(2);
  });
});

describe('events sent to a backfill', () => {
  it('must lie in its timeframe and belong to its customer; the grace period does not apply', async () => {
    const r = await start(SHAPE);
    const from = NOW_MS - 40 * 24 * HOUR_MS;
    const { customer, metric } = pick('UTC', 'Growth', from);
    const other = account.customers.find((c) => c !== customer)!;
    const backfill = await r.client.events.backfills.create({ timeframe_start: iso(from), timeframe_end: iso(from + 24 * HOUR_MS), customer_id: customer.id });
    const event = (key: string, at: number): IngestEvent => ({ idempotency_key: key, customer_id: customer.id, event_name: metric.eventName, timestamp: iso(at), properties: { [metric.property]: 1 } });
    const query = `?backfill_id=${backfill.id}`;
    const cases: [IngestEvent, string][] = [
      [event('before', from - 1000), "before: timestamp is outside the backfill's timeframe"],
      [event('at-end', from + 24 * HOUR_MS), "at-end: timestamp is outside the backfill's timeframe"],
      [{ ...event('stranger', from), customer_id: other.id }, `stranger: the backfill is scoped to customer ${customer.id}`],
    ];
    for (const [wrong, message] of cases) expect((await rejected(r, { events: [event('fine', from), wrong] }, query)).detail).toContain(message);
    expect((await r.client.events.backfills.fetch(backfill.id)).events_ingested).toBe(0);

    const accepted = [event('first-ms', from), { ...event('by-external-id', from + HOUR_MS), customer_id: null, external_customer_id: customer.externalId }, event('last-ms', from + 24 * HOUR_MS - 1)];
    await r.client.events.ingest({ events: accepted, backfill_id: backfill.id });
    await r.client.events.ingest({ events: accepted, backfill_id: backfill.id }); // idempotent within the backfill
    expect((await r.client.events.backfills.fetch(backfill.id)).events_ingested).toBe(3);
    // Without the backfill the same events are far outside the grace period.
    expect((await rejected(r, { events: [event('live', from)] })).detail).toContain('live: timestamp is older than the 12-hour grace period');
  });
});

describe('event search', () => {
  it('finds an ingested event', async () => {
    const r = await start(SHAPE);
    const [event] = liveEvents();
    await r.client.events.ingest({ events: [event!] });
    const response = await r.post('/v1/events/search', { event_ids: ['live-1'] });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      {
        id: 'live-1',
        customer_id: event!.customer_id,
        external_customer_id: pick('UTC', 'Growth', NOW_MS).customer.externalId,
        event_name: event!.event_name,
        properties: event!.properties,
        timestamp: event!.timestamp,
        deprecated: false,
      },
    ]);
  });

  it('reports the events a reflected replacing backfill deprecates, and not after it is reverted', async () => {
    const r = await start(SHAPE);
    const { customer, metric } = pick('UTC', 'Growth', NOW_MS - 5 * 24 * HOUR_MS);
    const day = localDate(new Date(NOW_MS - 5 * 24 * HOUR_MS), 'UTC');
    const from = startOfLocalDay(day, 'UTC').getTime();
    // The generated events of the first busy hour of the day.
    let replaced: string[] = [];
    for (let hour = from; replaced.length === 0; hour += HOUR_MS) replaced = hourlyEvents(account, customer, metric, hour).map((e) => e.id);
    const search = async () => {
      const response = await r.post('/v1/events/search', { event_ids: [...replaced, 'replacement'], timeframe_start: iso(from), timeframe_end: iso(from + 24 * HOUR_MS) });
      expect(response.status).toBe(200);
      return Object.fromEntries(response.body.data.map((e: any) => [e.id, e.deprecated]));
    };
    const live = Object.fromEntries(replaced.map((id) => [id, false]));
    expect(await search()).toEqual(live);

    const backfill = await r.client.events.backfills.create({ timeframe_start: iso(from), timeframe_end: iso(from + 24 * HOUR_MS), customer_id: customer.id });
    const replacement = { idempotency_key: 'replacement', customer_id: customer.id, event_name: metric.eventName, timestamp: iso(from + 60_000), properties: { [metric.property]: 3 } };
    await r.client.events.ingest({ events: [replacement], backfill_id: backfill.id });
    await r.client.events.backfills.close(backfill.id);
    expect((await r.client.events.backfills.fetch(backfill.id)).status).toBe('reflected');
    expect(await search()).toEqual({ ...Object.fromEntries(replaced.map((id) => [id, true])), replacement: false });

    await r.client.events.backfills.revert(backfill.id);
    expect((await r.client.events.backfills.fetch(backfill.id)).status).toBe('reverted');
    expect(await search()).toEqual(live);
  });
});
