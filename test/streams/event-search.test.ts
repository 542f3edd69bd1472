import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { generateAccount } from '../../src/simulator/account.js';
import { HOUR_MS, hourlyEvents, type UsageEvent } from '../../src/simulator/events.js';
import { requestEventSearches } from '../../src/streams/event-search.js';
import type { Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { simulatedAccounts, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 3, customers: 8, subscriptions: 12, days: 40 };
const NOW = '2026-05-20T09:00:00Z';
const NOW_MS = Date.parse(NOW);
const account = generateAccount({ ...SHAPE, now: new Date(NOW) });

/** Every generated event of the account with a timestamp in the hours [from, to). */
function generated(from: number, to: number): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (const customer of account.customers) {
    for (const metric of account.catalogue.metrics) {
      for (let hour = from; hour < to; hour += HOUR_MS) events.push(...hourlyEvents(account, customer, metric, hour));
    }
  }
  return events;
}

const searches = (simulator: Simulator) => simulator.requests.log().filter((r) => r.method === 'POST' && r.path === '/events/search');

interface Expected {
  id: string;
  status: 'found' | 'deprecated' | 'missing';
  event?: { customer_id: string | null; external_customer_id: string | null; event_name: string; timestamp: number };
  /** A missing id's timestamp is the one it was requested with. */
  requested?: number;
}

const asRow = ({ id, status, event, requested }: Expected) =>
  [id, status, event?.customer_id ?? null, event?.external_customer_id ?? null, event?.event_name ?? null, event?.timestamp ?? requested ?? null]
    .map((v) => (typeof v === 'number' ? new Date(v).toISOString() : String(v)))
    .join('|');
const truthOf = (event: UsageEvent) => ({
  customer_id: event.customer?.id ?? null,
  external_customer_id: event.externalCustomerId,
  event_name: event.eventName,
  timestamp: event.timestamp,
});

async function reconciliation(target: DestinationTarget, schema: string): Promise<string[]> {
  const rows = await withDestination(target, schema, (d) =>
    d.query<Record<string, string | null>>('select event_id, status, customer_id, external_customer_id, event_name, timestamp, checked_at from fct_event_reconciliation'),
  );
  for (const row of rows) expect(row.checked_at).not.toBeNull();
  return rows
    .map((r) => [r.event_id, r.status, r.customer_id, r.external_customer_id, r.event_name, r.timestamp && new Date(r.timestamp).toISOString()].map(String).join('|'))
    .sort();
}

async function request(target: DestinationTarget, schema: string, ids: ReadonlyArray<{ id: string; timestamp?: number }>): Promise<void> {
  await withDestination(target, schema, async (d) => {
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      const values = batch.map((_, k) => `($${2 * k + 1}, CAST($${2 * k + 2} AS TIMESTAMPTZ))`).join(', ');
      const params = batch.flatMap(({ id, timestamp }) => [id, timestamp === undefined ? null : new Date(timestamp).toISOString()]);
      await d.query(`insert into event_search_requests (event_id, timestamp) values ${values}`, params);
    }
  });
}

/** An HTTP front of the simulator that answers POST /events/search with Orb's 400. */
async function rejectingSearch(upstream: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url?.endsWith('/events/search')) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'https://docs.withorb.com/reference/error-responses#400-constraint-violation', status: 400, title: 'Constraint violation', detail: 'timeframe_start is too far in the past' }));
      return;
    }
    const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers: { authorization: req.headers.authorization ?? '' } });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', date: answer.headers.get('date') ?? '' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.each(ENGINES)('event reconciliation into $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function setUp() {
    const fresh = await account({ ...SHAPE, now: NOW });
    await syncFrom(fresh.baseUrl, fresh.target, fresh.schema);
    return fresh;
  }

  it('finds existing, deprecated, never-sent and old timestamped ids in batches of at most 500, each once; re-checks missing ones for a while', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    // Recent events (all ingested), one hour of which a replacing backfill then deprecates.
    const recent = generated(NOW_MS - 72 * HOUR_MS, NOW_MS - 13 * HOUR_MS);
    const victim = recent[recent.length >> 1]!;
    const hour = Math.floor(victim.timestamp / HOUR_MS) * HOUR_MS;
    const backfillId = await backfill(baseUrl, {
      customerId: victim.customer!.id,
      from: new Date(hour),
      to: new Date(hour + HOUR_MS),
      replace: true,
      events: [{ eventName: victim.eventName, timestamp: new Date(hour + 60_000), properties: { region: 'us-east-1' } }],
    });
    const replacementId = `${backfillId}-0`; // the idempotency key backfill() gives its first event
    const deprecated = (e: UsageEvent) => e.customer === victim.customer && e.timestamp >= hour && e.timestamp < hour + HOUR_MS;
    const wanted = recent.filter((e, i) => i % 2 === 0 || deprecated(e)).slice(0, 640);
    expect(wanted.filter(deprecated).length).toBeGreaterThan(0);
    const old = generated(NOW_MS - 10 * 24 * HOUR_MS, NOW_MS - 10 * 24 * HOUR_MS + 3 * HOUR_MS);
    const [oldWithout, ...oldWith] = old.slice(0, 4);
    const late = generated(NOW_MS - 4 * HOUR_MS, NOW_MS).find((e) => e.ingestedAt > NOW_MS)!;

    await request(target, schema, [
      ...wanted.map((e) => ({ id: e.id })),
      ...oldWith.map((e) => ({ id: e.id, timestamp: e.timestamp })),
      { id: oldWithout!.id },
      { id: replacementId },
      { id: 'evt_never_sent', timestamp: NOW_MS - 3 * HOUR_MS },
      { id: 'evt_never_sent_either' },
      { id: late.id },
    ]);
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    const replacement = { customer_id: victim.customer!.id, external_customer_id: victim.customer!.externalId, event_name: victim.eventName, timestamp: hour + 60_000 };
    const expected: Expected[] = [
      ...wanted.map((e): Expected => ({ id: e.id, status: deprecated(e) ? 'deprecated' : 'found', event: truthOf(e) })),
      ...oldWith.map((e): Expected => ({ id: e.id, status: 'found', event: truthOf(e) })),
      { id: oldWithout!.id, status: 'missing' }, // older than the 7 days Orb searches without a timestamp
      { id: replacementId, status: 'found', event: replacement },
      { id: 'evt_never_sent', status: 'missing', requested: NOW_MS - 3 * HOUR_MS },
      { id: 'evt_never_sent_either', status: 'missing' },
      { id: late.id, status: 'missing' }, // not ingested yet
    ];
    expect(await reconciliation(target, schema)).toEqual(expected.map(asRow).sort());
    // 640 + 4 ids without a timestamp: two batches; the timestamped ones: theirs (old, then recent).
    expect(searches(simulator)).toHaveLength(4);

    // The late event arrives; the next sync checks only the missing ids again, and finds it.
    simulator.clock.set(new Date(late.ingestedAt + 60_000));
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    expect(searches(simulator)).toHaveLength(2);
    const arrived = expected.map((e) => (e.id === late.id ? { id: late.id, status: 'found' as const, event: truthOf(late) } : e));
    expect(await reconciliation(target, schema)).toEqual(arrived.map(asRow).sort());

    // Once eventRecheckHours have passed since they were requested, missing ids are left alone.
    await withDestination(target, schema, (d) => d.query("update event_search_requests set requested_at = requested_at - INTERVAL '49 hours'"));
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    expect(searches(simulator)).toHaveLength(0);

    // The backfill is reverted: only the id asked again (requested_at moved on) is checked again.
    await new Orb({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 }).events.backfills.revert(backfillId);
    const again = wanted.find(deprecated)!;
    await withDestination(target, schema, (d) => d.query('update event_search_requests set requested_at = CURRENT_TIMESTAMP where event_id = $1', [again.id]));
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    expect(searches(simulator)).toHaveLength(1);
    const askedAgain = arrived.map((e) => (e.id === again.id ? { ...e, status: 'found' as const } : e));
    expect(await reconciliation(target, schema)).toEqual(askedAgain.map(asRow).sort());
  });

  it('adds --event-ids to the requests: a new id is checked, one given again is asked again', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    const event = generated(NOW_MS - 20 * HOUR_MS, NOW_MS - 19 * HOUR_MS)[0]!;
    await request(target, schema, [{ id: event.id }]);
    await syncFrom(baseUrl, target, schema);
    const given = [
      { event_id: event.id, timestamp: new Date(event.timestamp) },
      { event_id: 'evt_never_sent', timestamp: null },
    ];
    await withDestination(target, schema, (d) => requestEventSearches(d, given));
    const requests = await withDestination(target, schema, (d) => d.query('select event_id, timestamp from event_search_requests order by event_id'));
    expect(requests).toEqual([
      { event_id: event.id, timestamp: new Date(event.timestamp).toISOString() },
      { event_id: 'evt_never_sent', timestamp: null },
    ]);
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    expect(searches(simulator)).toHaveLength(2); // the timestamped id, and the other
    expect(await reconciliation(target, schema)).toEqual(
      [{ id: event.id, status: 'found', event: truthOf(event) } as Expected, { id: 'evt_never_sent', status: 'missing' } as Expected].map(asRow).sort(),
    );
  });

  it('fails the stream with Orb\'s detail when a search is rejected (400)', async () => {
    const { target, schema, baseUrl } = await setUp();
    const front = await rejectingSearch(baseUrl);
    account.onCleanup(() => new Promise((resolve) => front.server.close(() => resolve())));
    await request(target, schema, [{ id: 'evt_1' }]);
    await expect(syncFrom(front.url, target, schema)).rejects.toThrow(/event_search.*400.*timeframe_start is too far in the past/);
  });
});
