import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../src/config.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';
import { ENGINES } from './helpers/engines.js';
import { backfill } from './helpers/orb-changes.js';
import { syncFrom, withDestination } from './helpers/sync-fixture.js';

/** Every ```sql block of the README: the examples analysts copy must run as written on both engines. */
const README = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
const QUERIES = [...README.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());

describe.each(ENGINES)('README queries on $name', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let simulator: Simulator;

  beforeAll(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    simulator = createSimulator({ seed: 7, customers: 12, subscriptions: 30, days: 60, now: '2026-06-15T07:00:00Z' });
    const baseUrl = await simulator.listen();
    // The examples also show grouped usage, an event id to reconcile and a backfill Orb reflected.
    const settings = { usageGroupBy: `${simulator.truth.dailyUsage()[0]!.billable_metric_id}=region` };
    await syncFrom(baseUrl, target, schema, settings);
    await withDestination(target, schema, (d) => d.query("insert into event_search_requests (event_id) values ('evt_never_sent')"));
    const customer = simulator.truth.subscriptions().find((s) => s.status === 'active')!.customer_id;
    await backfill(baseUrl, {
      customerId: customer,
      from: new Date('2026-06-10T00:00:00Z'),
      to: new Date('2026-06-11T00:00:00Z'),
      replace: true,
      events: [{ eventName: 'readme_example', timestamp: new Date('2026-06-10T12:00:00Z'), properties: { region: 'eu-west-1' } }],
    });
    await syncFrom(baseUrl, target, schema, settings);
  });

  afterAll(async () => {
    await simulator?.close();
    await cleanup?.();
  });

  it('has examples to run', () => expect(QUERIES.length).toBeGreaterThanOrEqual(5));

  it.each(QUERIES.map((query) => [query.split('\n')[0]!, query]))('%s', async (_, query) => {
    const rows = await withDestination(target, schema, (d) => d.query(query.replace(/;$/, '')));
    expect(rows.length).toBeGreaterThan(0);
  });
});
