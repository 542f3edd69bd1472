/**
 * Event backfills through the API: a reflected backfill changes exactly its scope (customer,
 * timeframe, billing periods) and reverting it restores every number; the lifecycle follows Orb's
 * documented rules. Every check compares the ground truth captured before and after.
 */
import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../src/simulator/events.js';
import { addDays, localDate, startOfLocalDay } from '../../src/util/time-zone.js';
import {
  account,
  DAY_MS,
  expectExactlyItsScopeChanged,
  iso,
  localDay,
  NOW_MS,
  overlaps,
  pick,
  SHAPE,
  snapshot,
  type Change,
  type IngestEvent,
} from './event-changes.js';
import { NOW, start, type Running } from './helpers.js';

/** Two whole local days of one Asia/Kolkata customer, a month back: window edges fall mid-UTC-hour. */
function customerScopedChange(): Change {
  const day = localDate(new Date(NOW_MS - 30 * DAY_MS), 'Asia/Kolkata');
  const from = startOfLocalDay(day, 'Asia/Kolkata').getTime();
  const to = startOfLocalDay(addDays(day, 2), 'Asia/Kolkata').getTime();
  const { customer, metric } = pick('Asia/Kolkata', 'Growth', from);
  const event = (key: string, offset: number, properties: Record<string, unknown>, eventName = metric.eventName): IngestEvent => ({
    idempotency_key: key,
    customer_id: customer.id,
    event_name: eventName,
    timestamp: iso(from + offset),
    properties,
  });
  const events = [
    event('bf-start', 0, { [metric.property]: 7, region: 'eu-west-1' }),
    { ...event('bf-external', 5 * HOUR_MS + 17 * 60_000, { [metric.property]: 2.5 }), customer_id: null, external_customer_id: customer.externalId },
    event('bf-next-day', 26 * HOUR_MS, { [metric.property]: 40 }),
    event('bf-last-second', to - from - 1000, { [metric.property]: 1 }),
    event('bf-other-name', 3 * HOUR_MS, { [metric.property]: 1000 }, 'not_a_metric'), // volume only
    event('bf-text-value', 30 * HOUR_MS, { [metric.property]: 'lots' }), // volume only: not numeric
  ];
  return { from, to, scope: customer, replace: true, events };
}

/** Three UTC hours three weeks back, events of three customers (one by external id) and of an unknown external id. */
function accountWideAddition(): Change {
  const from = Date.parse('2025-02-22T06:00:00Z');
  const growth = pick('UTC', 'Growth', from);
  const starter = pick('Australia/Adelaide', 'Starter', from);
  const scale = pick('Europe/Berlin', 'Scale', from);
  const events: IngestEvent[] = [
    { idempotency_key: 'add-1', customer_id: growth.customer.id, event_name: growth.metric.eventName, timestamp: iso(from + 60_000), properties: { [growth.metric.property]: 12 } },
    { idempotency_key: 'add-2', customer_id: growth.customer.id, event_name: growth.metric.eventName, timestamp: iso(from + 2 * HOUR_MS), properties: { [growth.metric.property]: 0.75 } },
    { idempotency_key: 'add-3', external_customer_id: starter.customer.externalId, event_name: starter.metric.eventName, timestamp: iso(from + HOUR_MS), properties: { [starter.metric.property]: 333 } },
    { idempotency_key: 'add-4', customer_id: scale.customer.id, event_name: scale.metric.eventName, timestamp: iso(from + 3 * HOUR_MS - 1000), properties: { [scale.metric.property]: 5_000_000 } },
    { idempotency_key: 'add-5', external_customer_id: 'ext-nobody', event_name: 'api_request', timestamp: iso(from + 90 * 60_000), properties: { requests: 10 } },
  ];
  return { from, to: from + 3 * HOUR_MS, scope: null, replace: false, events };
}

async function createFor(r: Running, change: Change) {
  return r.client.events.backfills.create({
    timeframe_start: iso(change.from),
    timeframe_end: iso(change.to),
    customer_id: change.scope?.id ?? null,
    replace_existing_events: change.replace,
  });
}

/** Create, ingest and close through the SDK; reflection is then due on the next request. */
async function createIngestClose(r: Running, change: Change): Promise<string> {
  const backfill = await createFor(r, change);
  await r.client.events.ingest({ events: [...change.events], backfill_id: backfill.id });
  const closed = await r.client.events.backfills.close(backfill.id);
  expect(closed).toMatchObject({ status: 'pending', events_ingested: change.events.length, close_time: iso(r.sim.clock.now().getTime()) });
  return backfill.id;
}

const status = async (r: Running, id: string) => (await r.client.events.backfills.fetch(id)).status;

describe('a reflected backfill changes exactly its scope, and reverting it restores every number', () => {
  it.each([
    ['a customer-scoped backfill replacing two days', customerScopedChange],
    ['an account-wide backfill adding to three hours', accountWideAddition],
  ])('%s', async (_name, makeChange) => {
    const change = makeChange();
    const r = await start(SHAPE);
    const before = snapshot(r);

    const backfill = await createFor(r, change);
    expect(backfill).toMatchObject({ status: 'pending', customer_id: change.scope?.id ?? null, replace_existing_events: change.replace, events_ingested: 0 });
    expect(await r.client.events.ingest({ events: [...change.events], backfill_id: backfill.id })).toEqual({ validation_failed: [] });
    expect(snapshot(r)).toEqual(before); // open: nothing shows
    expect((await r.client.events.backfills.close(backfill.id)).status).toBe('pending');
    expect(snapshot(r)).toEqual(before); // closed, not yet reflected: still nothing

    expect(await status(r, backfill.id)).toBe('reflected');
    const after = snapshot(r);
    await expectExactlyItsScopeChanged(r, before, after, change);

    const reverting = await r.client.events.backfills.revert(backfill.id);
    expect(reverting).toMatchObject({ status: 'pending_revert', reverted_at: null });
    expect(snapshot(r)).toEqual(after); // its effects last until the revert is done
    expect(await r.client.events.backfills.fetch(backfill.id)).toMatchObject({ status: 'reverted', reverted_at: NOW });
    expect(snapshot(r)).toEqual(before);
  });

  it('reverting the older of two overlapping reflected backfills leaves exactly the newer one in effect', async () => {
    const scoped = customerScopedChange();
    // Account-wide and replacing, over the second half of the scoped window and beyond.
    const wide: Change = {
      from: scoped.from + DAY_MS,
      to: scoped.from + 3 * DAY_MS,
      scope: null,
      replace: true,
      events: scoped.events
        .filter((e) => Date.parse(e.timestamp) >= scoped.from + DAY_MS)
        .map((e) => ({ ...e, idempotency_key: `wide-${e.idempotency_key}` })),
    };
    const r = await start(SHAPE);
    const before = snapshot(r);
    const older = await createIngestClose(r, scoped);
    expect(await status(r, older)).toBe('reflected');
    const newer = await createIngestClose(r, wide);
    expect(await status(r, newer)).toBe('reflected');
    const both = snapshot(r);

    const alone = await start(SHAPE);
    const onlyNewer = await createIngestClose(alone, wide);
    expect(await status(alone, onlyNewer)).toBe('reflected');
    const expected = snapshot(alone);
    expect(both).not.toEqual(expected); // the older one mattered outside the newer one's window

    await r.client.events.backfills.revert(older);
    expect(await status(r, older)).toBe('reverted');
    expect(snapshot(r)).toEqual(expected);
    await r.client.events.backfills.revert(newer);
    expect(await status(r, newer)).toBe('reverted');
    expect(snapshot(r)).toEqual(before);
  });
});

describe('lifecycle', () => {
  it('becomes reflected after the configured number of further requests', async () => {
    const change = customerScopedChange();
    const r = await start({ ...SHAPE, backfillReflection: { requests: 3 } });
    const before = snapshot(r);
    const id = await createIngestClose(r, change);
    expect(await status(r, id)).toBe('pending');
    expect(await status(r, id)).toBe('pending');
    expect(snapshot(r)).toEqual(before);
    expect(await status(r, id)).toBe('reflected');
    expect(snapshot(r)).not.toEqual(before);
  });

  it('becomes reflected, and reverted, after the configured clock delay', async () => {
    const change = customerScopedChange();
    const r = await start({ ...SHAPE, backfillReflection: { requests: 0, ms: HOUR_MS } });
    // Usage of the window's days: settled history, so moving the clock changes it only through the backfill.
    const windowUsage = () =>
      r.sim.truth.dailyUsage().filter((row) => {
        const { customer } = account.subscriptionsById.get(row.subscription_id)!;
        return customer === change.scope && overlaps(change, ...localDay(row.day, customer.timezone));
      });
    const id = await createIngestClose(r, change);
    const before = windowUsage();
    r.sim.clock.advance({ ms: HOUR_MS - 60_000 });
    for (let i = 0; i < 3; i++) expect(await status(r, id)).toBe('pending');
    expect(windowUsage()).toEqual(before);
    r.sim.clock.advance({ ms: 60_000 });
    const reflected = windowUsage(); // the truth needs no request
    expect(reflected).not.toEqual(before);
    expect(await status(r, id)).toBe('reflected');

    expect((await r.client.events.backfills.revert(id)).status).toBe('pending_revert');
    r.sim.clock.advance({ ms: HOUR_MS - 1 });
    expect(await status(r, id)).toBe('pending_revert');
    expect(windowUsage()).toEqual(reflected);
    r.sim.clock.advance({ ms: 1 });
    expect(await r.client.events.backfills.fetch(id)).toMatchObject({ status: 'reverted', reverted_at: iso(NOW_MS + 2 * HOUR_MS) });
    expect(windowUsage()).toEqual(before);
  });

  it('with both a request count and a clock delay configured, waits for both', async () => {
    const change = customerScopedChange();
    const r = await start({ ...SHAPE, backfillReflection: { requests: 2, ms: HOUR_MS } });
    const id = await createIngestClose(r, change);
    for (let i = 0; i < 3; i++) expect(await status(r, id)).toBe('pending'); // requests enough, time not
    r.sim.clock.advance({ ms: HOUR_MS });
    expect(await status(r, id)).toBe('reflected');
    await r.client.events.backfills.revert(id);
    r.sim.clock.advance({ ms: HOUR_MS }); // time enough, requests not
    expect(await status(r, id)).toBe('pending_revert');
    expect(await status(r, id)).toBe('reverted');
  });

  it('a backfill reverted before it was closed is reverted at once and never has an effect', async () => {
    const change = customerScopedChange();
    const r = await start(SHAPE);
    const before = snapshot(r);
    const backfill = await createFor(r, change);
    await r.client.events.ingest({ events: [...change.events], backfill_id: backfill.id });
    expect(await r.client.events.backfills.revert(backfill.id)).toMatchObject({ status: 'reverted', reverted_at: NOW, events_ingested: change.events.length });
    for (let i = 0; i < 3; i++) expect(await status(r, backfill.id)).toBe('reverted');
    expect(snapshot(r)).toEqual(before);
    r.sim.clock.advance({ days: 2 }); // past the default close_time: it does not close (or reflect) any more
    expect(await status(r, backfill.id)).toBe('reverted');
    expect((await r.post(`/v1/events/backfills/${backfill.id}/close`)).status).toBe(400);
    expect((await r.post(`/v1/ingest?backfill_id=${backfill.id}`, { events: [] })).status).toBe(400);
  });

  it('closes itself at close_time (default: one day after creation)', async () => {
    const change = customerScopedChange();
    const r = await start(SHAPE);
    const scheduled = iso(NOW_MS + 2 * HOUR_MS);
    const backfill = await r.client.events.backfills.create({ timeframe_start: iso(change.from), timeframe_end: iso(change.to), close_time: scheduled });
    expect(backfill).toMatchObject({ status: 'pending', close_time: scheduled });
    await r.client.events.ingest({ events: [...change.events], backfill_id: backfill.id });
    r.sim.clock.advance({ ms: 2 * HOUR_MS - 1 });
    expect(await status(r, backfill.id)).toBe('pending');
    await r.client.events.ingest({ events: [{ ...change.events[0]!, idempotency_key: 'just-in-time' }], backfill_id: backfill.id });
    r.sim.clock.advance({ ms: 1 });
    // This request closes it; reflection follows one request later, as after an explicit close.
    expect(await r.client.events.backfills.fetch(backfill.id)).toMatchObject({ status: 'pending', close_time: scheduled, events_ingested: change.events.length + 1 });
    const late = await r.post(`/v1/ingest?backfill_id=${backfill.id}`, { events: [{ ...change.events[0]!, idempotency_key: 'too-late' }] });
    expect(late.status).toBe(400);
    expect(await r.client.events.backfills.fetch(backfill.id)).toMatchObject({ status: 'reflected', close_time: scheduled, events_ingested: change.events.length + 1 });

    const later = await r.client.events.backfills.create({ timeframe_start: iso(change.to), timeframe_end: iso(change.to + HOUR_MS) });
    expect(later.close_time).toBe(iso(r.sim.clock.now().getTime() + DAY_MS));
  });

  it('rejects a backfill overlapping one that is pending or pending_revert, with a constraint violation', async () => {
    // Transitions wait for the clock, so each state lasts as long as the test needs it.
    const r = await start({ ...SHAPE, backfillReflection: { requests: 0, ms: HOUR_MS } });
    const from = NOW_MS - 10 * DAY_MS;
    const first = await r.client.events.backfills.create({ timeframe_start: iso(from), timeframe_end: iso(from + DAY_MS) });
    const overlapping = { timeframe_start: iso(from + HOUR_MS), timeframe_end: iso(from + 2 * DAY_MS) };
    const expectRejected = async (body: object) => {
      const rejected = await r.post('/v1/events/backfills', body);
      expect(rejected.status).toBe(400);
      expect(rejected.body.type).toBe('https://docs.withorb.com/reference/error-responses#400-constraint-violation');
      expect(rejected.body.detail).toContain(first.id);
    };
    await expectRejected(overlapping);
    await expectRejected({ ...overlapping, customer_id: account.customers[0]!.id }); // whatever the scope
    // The end is exclusive: a backfill starting where the first ends does not overlap it.
    const adjacent = await r.client.events.backfills.create({ timeframe_start: iso(from + DAY_MS), timeframe_end: iso(from + 2 * DAY_MS) });
    await r.client.events.backfills.revert(adjacent.id); // never closed: reverted at once, no longer in the way

    await r.client.events.backfills.close(first.id);
    await expectRejected(overlapping); // closed but not yet reflected is still pending
    r.sim.clock.advance({ ms: HOUR_MS });
    expect(await status(r, first.id)).toBe('reflected');
    await r.client.events.backfills.revert((await r.client.events.backfills.create(overlapping)).id);
    await r.client.events.backfills.revert(first.id);
    await expectRejected(overlapping); // pending_revert
    r.sim.clock.advance({ ms: HOUR_MS });
    expect(await status(r, first.id)).toBe('reverted');
    expect((await r.post('/v1/events/backfills', overlapping)).status).toBe(200);
  });

  it('rejects a timeframe longer than 31 days or not after its start', async () => {
    const r = await start(SHAPE);
    const from = NOW_MS - 60 * DAY_MS;
    for (const [end, expected] of [[from + 31 * DAY_MS + 1000, 400], [from, 400], [from - HOUR_MS, 400], [from + 31 * DAY_MS, 200]] as const) {
      const response = await r.post('/v1/events/backfills', { timeframe_start: iso(from), timeframe_end: iso(end) });
      expect(response.status).toBe(expected);
      if (expected === 400) expect(response.body.type).toBe('https://docs.withorb.com/reference/error-responses#400-constraint-violation');
    }
  });

  it('state conflicts are 400s: closing twice, closing a reflected or reverted backfill, reverting twice', async () => {
    const r = await start({ ...SHAPE, backfillReflection: { requests: 0, ms: HOUR_MS } });
    const id = (await r.client.events.backfills.create({ timeframe_start: iso(NOW_MS - DAY_MS), timeframe_end: iso(NOW_MS) })).id;
    const conflict = async (action: 'close' | 'revert', detail: string) => {
      const response = await r.post(`/v1/events/backfills/${id}/${action}`);
      expect(response.status).toBe(400);
      expect(response.body.type).toBe('https://docs.withorb.com/reference/error-responses#400-constraint-violation');
      expect(response.body.detail).toContain(detail);
    };
    await r.client.events.backfills.close(id);
    await conflict('close', 'already closed');
    r.sim.clock.advance({ ms: HOUR_MS });
    expect(await status(r, id)).toBe('reflected');
    await conflict('close', 'reflected');
    await r.client.events.backfills.revert(id);
    await conflict('revert', 'pending_revert');
    r.sim.clock.advance({ ms: HOUR_MS });
    expect(await status(r, id)).toBe('reverted');
    await conflict('revert', 'reverted');
    await conflict('close', 'reverted');
  });

  it('unknown backfills and customers are 404s', async () => {
    const r = await start(SHAPE);
    const notFound = 'https://docs.withorb.com/reference/error-responses#404-resource-not-found';
    expect((await r.get('/v1/events/backfills/bf_missing')).body).toMatchObject({ status: 404, type: notFound });
    for (const action of ['close', 'revert']) expect((await r.post(`/v1/events/backfills/bf_missing/${action}`)).body).toMatchObject({ status: 404, type: notFound });
    expect((await r.post('/v1/ingest?backfill_id=bf_missing', { events: [] })).body).toMatchObject({ status: 404, type: notFound });
    const window = { timeframe_start: iso(NOW_MS - DAY_MS), timeframe_end: iso(NOW_MS) };
    expect((await r.post('/v1/events/backfills', { ...window, customer_id: 'cus_missing' })).body).toMatchObject({ status: 404, type: notFound });
    expect((await r.post('/v1/events/backfills', { ...window, external_customer_id: 'ext-missing' })).body).toMatchObject({ status: 404, type: notFound });
    const byExternalId = await r.client.events.backfills.create({ ...window, external_customer_id: account.customers[0]!.externalId });
    expect(byExternalId.customer_id).toBe(account.customers[0]!.id);
  });

  it('rejects malformed bodies with a request validation error naming each problem', async () => {
    const r = await start(SHAPE);
    const window = { timeframe_start: '2025-03-01T00:00:00Z', timeframe_end: '2025-03-02T00:00:00Z' };
    const cases: [unknown, string][] = [
      [{ timeframe_start: window.timeframe_start }, 'timeframe_end: field required'],
      [{ ...window, timeframe_start: 'yesterday' }, 'timeframe_start'],
      [{ ...window, timeframe_end: '2025-03-02' }, 'timeframe_end'], // a date is not a date-time
      [{ ...window, timeframe_end: '2025-03-02T00:00:00' }, 'timeframe_end'], // nor is one without a zone
      [{ ...window, close_time: 1741000000 }, 'close_time'],
      [{ ...window, replace_existing_events: 'yes' }, 'replace_existing_events'],
      [{ ...window, customer_id: 42 }, 'customer_id'],
      [{ ...window, timeframe: '2025-03' }, 'timeframe: extra fields not permitted'],
      [{ ...window, customer_id: account.customers[0]!.id, external_customer_id: account.customers[0]!.externalId }, 'customer_id'],
      [{ ...window, deprecation_filter: "region = 'eu-west-1'" }, 'deprecation_filter'],
      [[window], 'JSON object'],
      ['{"timeframe_start": ', 'not valid JSON'],
      [undefined, 'JSON object'],
    ];
    for (const [body, mentioned] of cases) {
      const response = await r.post('/v1/events/backfills', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.type).toBe('https://docs.withorb.com/reference/error-responses#400-request-validation-errors');
      expect(response.body.detail).toContain(mentioned);
    }
    const several = await r.post('/v1/events/backfills', { timeframe_start: 3, replace_existing_events: null, extra: true });
    expect(several.body.validation_errors).toHaveLength(4);
    expect((await r.client.events.backfills.list()).data).toEqual([]);
  });
});

describe('GET /events/backfills', () => {
  it('lists newest first and pages with a cursor, also when backfills share a created_at', async () => {
    const r = await start(SHAPE);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const from = NOW_MS - (i + 2) * DAY_MS;
      created.push((await r.client.events.backfills.create({ timeframe_start: iso(from), timeframe_end: iso(from + DAY_MS) })).id);
      if (i === 2) r.sim.clock.advance({ ms: 1000 }); // the last two are newer; the first three share an instant
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
      const { body } = await r.get(`/v1/events/backfills?${query}`);
      pages.push(body.data.map((b: any) => b.id));
      cursor = body.pagination_metadata.next_cursor;
      expect(body.pagination_metadata.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const listed = pages.flat();
    expect(new Set(listed)).toEqual(new Set(created));
    expect(new Set(listed.slice(0, 2))).toEqual(new Set(created.slice(3)));
    const viaSdk: string[] = [];
    for await (const backfill of r.client.events.backfills.list({ limit: 2 })) viaSdk.push(backfill.id);
    expect(viaSdk).toEqual(listed);
    expect((await r.get('/v1/events/backfills?limit=101')).status).toBe(400);
  });
});
