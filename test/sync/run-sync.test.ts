import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

import { STAGING_TABLES } from '../../src/schema/staging.js';


describe.each(ENGINES)('sync into $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;
  let baseUrl: string;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 7, now: '2026-06-15T07:00:00Z' });
    baseUrl = await simulator.listen();
    await syncFrom(baseUrl, target, schema);
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  const stagingCounts = () =>
    withDestination(target, schema, async (d) =>
      Object.fromEntries(
        await Promise.all(STAGING_TABLES.map(async ({ name }) => [name, (await d.query<{ n: string }>(`select count(*) as n from ${name}`))[0]!.n])),
      ),
    );

  it('builds the facts and dimensions equal to the ground truth, every column, to the last decimal', async () => {
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    expect(facts.subscriptions).toEqual(truth.subscriptions());
    expect(facts.customers).toEqual(truth.customers());

    // The comparison covers the hard cases: a Kolkata customer, and minimums on both levels.
    const subscriptions = simulator.truth.subscriptions();
    const kolkata = subscriptions.filter((s) => s.timezone === 'Asia/Kolkata').map((s) => s.id);
    expect(facts.dailyCosts.some((row) => kolkata.some((id) => row.includes(`subscription_id=${id}|`)))).toBe(true);
    expect(simulator.truth.dailyCosts().some((row) => row.total !== row.subtotal)).toBe(true);
    expect(simulator.truth.dailySubscriptionCosts().some((row) => row.total !== row.subtotal)).toBe(true);
    expect(subscriptions.some((s) => s.status === 'ended')).toBe(true);
  });

  it('puts a Kolkata customer\'s costs on the local day (a window starting 18:30Z is the next day)', async () => {
    const kolkata = simulator.truth.subscriptions().find((s) => s.timezone === 'Asia/Kolkata')!;
    const rows = await withDestination(target, schema, (d) =>
      d.query<{ day: string; timeframe_end: string }>(
        'select day, timeframe_end from raw_subscription_cost_days where subscription_id = $1 order by day limit 1',
        [kolkata.id],
      ),
    );
    expect(rows[0]!.timeframe_end).toMatch(/T18:30:00\.000Z$/);
    const end = new Date(rows[0]!.timeframe_end);
    expect(rows[0]!.day).toBe(new Date(end.getTime() - 5.5 * 3600_000 - 1).toISOString().slice(0, 10));
  });

  it('reads each list once on a first sync, and re-reads what can still change from the next sync on', async () => {
    const listed = (path: string) => simulator.requests.log().filter((r) => r.path === path);
    const rereads = () => listed('/subscriptions').filter((r) => r.query.includes('status='));
    // Everything was read from no cursor: a re-read of the active or upcoming ones would read them again.
    expect(rereads()).toEqual([]);
    expect(listed('/customers')).toHaveLength(1);
    await syncFrom(baseUrl, target, schema);
    expect(rereads().map((r) => new URLSearchParams(r.query).get('status')).sort()).toEqual(['active', 'upcoming']);
  });

  it('changes no row and adds no staging rows on a second sync with nothing new', async () => {
    const before = await stagingCounts();
    const factsBefore = await withDestination(target, schema, factsIn);
    await syncFrom(baseUrl, target, schema);
    expect(await stagingCounts()).toEqual(before);
    expect(await withDestination(target, schema, factsIn)).toEqual(factsBefore);
  });

  it('adds the new day when the clock advances by a day, and stays exact', async () => {
    const lastDay = async () =>
      (await withDestination(target, schema, (d) => d.query<{ day: string }>('select max(day) as day from fct_daily_subscription_costs')))[0]!.day;
    const before = await lastDay();
    simulator.clock.advance({ days: 1 });
    await syncFrom(baseUrl, target, schema);
    expect(await lastDay()).toBe(new Date(Date.parse(`${before}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    expect(facts.subscriptions).toEqual(truth.subscriptions());
  });

  it('records every run in sync_runs and a cursor per stream partition', async () => {
    const runs = await withDestination(target, schema, (d) => d.query<{ status: string }>('select status from sync_runs order by run_id'));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const state = await withDestination(target, schema, (d) =>
      d.query<{ stream: string; n: string }>(
        "select stream, count(*) as n from sync_state where stream in ('subscriptions', 'subscription_costs') group by stream order by stream",
      ),
    );
    expect(state).toEqual([
      // An upcoming subscription has no cost window yet, so no cursor either.
      { stream: 'subscription_costs', n: String(simulator.truth.subscriptions().filter((s) => s.status !== 'upcoming').length) },
      { stream: 'subscriptions', n: '1' },
    ]);
  });
});

describe.each(ENGINES)('sync into $name with more than one page of subscriptions', (engine) => {
  it('reads two pages and lands each subscription once; the run summary counts every request Orb saw', async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const simulator = createSimulator({ seed: 3, customers: 20, subscriptions: 150, days: 20, now: '2026-03-10T00:00:00Z' });
    try {
      const baseUrl = await simulator.listen();
      simulator.faults.inject({ path: /\/costs$/, status: 503, times: 2 });
      const { summary, runId } = await syncFrom(baseUrl, target, schema);
      expect(summary.apiCalls).toEqual(simulator.requests.countsByEndpoint());
      expect(summary.retries).toBe(2);
      const stored = await withDestination(target, schema, (d) => d.query<{ summary: string }>('select summary from sync_runs where run_id = $1', [runId]));
      expect(JSON.parse(stored[0]!.summary)).toEqual(summary);
      expect(summary.stagingRows.raw_subscriptions).toBe(150);
      const pages = simulator.requests
        .log()
        .filter((r) => /^\/?(v1\/)?subscriptions$/.test(r.path.replace(/^\//, '')) && !r.query.includes('status='));
      expect(pages.filter((r) => r.query.includes('cursor=')).length).toBeGreaterThanOrEqual(1);
      const expected = simulator.truth.subscriptions().map((s) => s.id).sort();
      expect(expected.length).toBeGreaterThan(100);
      const landed = await withDestination(target, schema, (d) =>
        d.query<{ subscription_id: string }>('select subscription_id from raw_subscriptions order by subscription_id'),
      );
      expect(landed.map((r) => r.subscription_id)).toEqual(expected);
    } finally {
      await simulator.close();
      await cleanup();
    }
  });

  it('stops with a clear error when the cursor never advances, and saves no subscriptions cursor', async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const simulator = createSimulator({ seed: 3, customers: 20, subscriptions: 150, days: 20, now: '2026-03-10T00:00:00Z' });
    try {
      const baseUrl = await simulator.listen();
      simulator.faults.inject({ path: '/subscriptions', kind: 'stuck-cursor', times: Infinity });
      await expect(syncFrom(baseUrl, target, schema)).rejects.toThrow(/twice; pagination does not advance/);
      // Two pages, then the repeated cursor is caught: no third request, no endless loop.
      expect(simulator.requests.log().filter((r) => r.path === '/subscriptions' && !r.query.includes('status')).length).toBeLessThanOrEqual(3);
      const cursors = await withDestination(target, schema, (d) => d.query<{ stream: string }>("select stream from sync_state where stream = 'subscriptions'"));
      expect(cursors).toEqual([]);
    } finally {
      await simulator.close();
      await cleanup();
    }
  });
});

describe.each(ENGINES)('sync into $name through rate limits and server errors', (engine) => {
  it('retries 429 (honouring Retry-After), 5xx, a connection reset mid-body and a truncated body, and the facts are still exact', async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const simulator = createSimulator({ seed: 11, subscriptions: 12, days: 40, now: '2026-02-20T12:00:00Z' });
    try {
      const baseUrl = await simulator.listen();
      simulator.faults.inject({ path: /\/costs$/, status: 429, retryAfterSeconds: 1, times: 2 });
      simulator.faults.inject({ path: /\/costs$/, status: 500, times: 1 });
      simulator.faults.inject({ path: /\/costs$/, kind: 'reset', times: 1 });
      simulator.faults.inject({ path: /^\/subscriptions$/, status: 503, times: 1 });
      simulator.faults.inject({ path: /^\/subscriptions$/, kind: 'malformed', times: 1 });
      const started = Date.now();
      await syncFrom(baseUrl, target, schema, { concurrency: '1' });
      const log = simulator.requests.log();
      const statuses = log.map((r) => r.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(2);
      expect(statuses.filter((s) => s >= 500)).toHaveLength(2);
      expect(log.filter((r) => r.fault === 'reset' || r.fault === 'malformed')).toHaveLength(2);
      // Two sequential 429s each asked for a one-second pause.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      const truth = simulatorTruth(simulator);
      const facts = await withDestination(target, schema, factsIn);
      expect(facts.dailyCosts).toEqual(truth.dailyCosts());
      expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    } finally {
      await simulator.close();
      await cleanup();
    }
  });
});
