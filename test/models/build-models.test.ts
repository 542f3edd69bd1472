import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { ensureViews, loadModels, type Model } from '../../src/models/build-models.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { syncFrom, withDestination } from '../helpers/sync-fixture.js';

describe.each(ENGINES)('view models on $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;
  let baseUrl: string;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 2, customers: 4, subscriptions: 6, days: 10, now: '2026-05-10T00:00:00Z' });
    baseUrl = await simulator.listen();
    await syncFrom(baseUrl, target, schema);
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  it('keeps an analyst\'s view on dim_subscriptions working through ten syncs', async () => {
    await withDestination(target, schema, (d) =>
      d.query('create view my_active_subscriptions as select subscription_id, customer_id from dim_subscriptions where status = \'active\''),
    );
    for (let run = 0; run < 10; run += 1) {
      simulator.clock.advance({ hours: 6 });
      await syncFrom(baseUrl, target, schema);
    }
    const mine = await withDestination(target, schema, (d) => d.query('select count(*) as n from my_active_subscriptions'));
    const active = simulator.truth.subscriptions().filter((s) => s.status === 'active').length;
    expect(mine).toEqual([{ n: String(active) }]);
  });

  it('replaces a view whose SQL changed (an upgrade), and only that one', async () => {
    const models = loadModels();
    const upgraded = models.map((m): Model => (m.name === 'dim_customers' ? { ...m, select: `${m.select} ORDER BY customer_id` } : m));
    const replaced = await withDestination(target, schema, (d) => ensureViews(d, upgraded));
    expect(replaced).toEqual(['dim_customers']);
    expect(await withDestination(target, schema, (d) => ensureViews(d, upgraded))).toEqual([]);
    expect(await withDestination(target, schema, (d) => ensureViews(d, models))).toEqual(['dim_customers']);
  });

  it('names the analyst\'s view instead of dropping it when an upgrade changes a view\'s columns', async () => {
    const models = loadModels();
    const narrowed = models.map((m): Model =>
      m.name === 'dim_subscriptions' ? { ...m, select: 'SELECT subscription_id, status FROM stg_subscriptions' } : m,
    );
    const attempt = withDestination(target, schema, (d) => ensureViews(d, narrowed));
    if (engine.name === 'postgres') {
      await expect(attempt).rejects.toThrow(/cannot replace orb-sync's views dim_subscriptions.*my_active_subscriptions.*Drop your views/);
    } else {
      // DuckDB binds views lazily and lets a view be replaced under another.
      await expect(attempt).resolves.toEqual(['dim_subscriptions']);
      await withDestination(target, schema, (d) => ensureViews(d, models));
    }
    const mine = await withDestination(target, schema, (d) => d.query('select count(*) as n from my_active_subscriptions'));
    expect(mine).toHaveLength(1);
  });
});
