import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

describe.each(ENGINES)('--streams and --full-refresh on $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;
  let baseUrl: string;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 13, customers: 5, subscriptions: 9, days: 30, now: '2026-03-03T03:00:00Z' });
    baseUrl = await simulator.listen();
    await syncFrom(baseUrl, target, schema);
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  it('--streams costs calls no endpoint but what costs needs', async () => {
    simulator.clock.advance({ days: 1 });
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema, { streams: 'costs' });
    expect(Object.keys(simulator.requests.countsByEndpoint()).sort()).toEqual(['GET /subscriptions', 'GET /subscriptions/{id}/costs']);
    const truth = simulatorTruth(simulator);
    expect((await withDestination(target, schema, factsIn)).dailyCosts).toEqual(truth.dailyCosts());
  });

  it('--full-refresh of costs re-reads every subscription from the start, the facts equal the truth, the ledger records it', async () => {
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema, { streams: 'subscription_costs', fullRefresh: true });
    const costReads = simulator.requests.log().filter((r) => /\/costs$/.test(r.path));
    const withCosts = simulator.truth.subscriptions().filter((s) => s.status !== 'upcoming');
    expect(costReads.length).toBe(withCosts.length);
    for (const s of withCosts) {
      const read = costReads.find((r) => r.path.includes(s.id))!;
      expect(new URLSearchParams(read.query).get('timeframe_start')).toBe(new Date(s.start_date).toISOString());
    }
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    const ledger = await withDestination(target, schema, (d) =>
      d.query<{ trigger: string; reason: string; status: string }>("select trigger, reason, status from restatements where trigger = 'manual'"),
    );
    expect(ledger).toEqual([{ trigger: 'manual', reason: 'full refresh of subscriptions, subscription_costs', status: 'done' }]);
  });

  it('an unknown stream name is one clear error', async () => {
    await expect(syncFrom(baseUrl, target, schema, { streams: 'invoices' } as never)).rejects.toThrow(/unknown stream "invoices": use one of customers, subscriptions/);
  });
});
