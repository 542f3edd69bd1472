import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { FACT_TABLES } from '../../src/schema/facts.js';
import { runBuild } from '../../src/sync/run-sync.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const NOW = '2026-04-01T03:00:00Z';
const SHAPE = { seed: 8, customers: 5, subscriptions: 7, days: 45 };
const DAY_MS = 86_400_000;

describe.each(ENGINES)('full rebuild against a month of incremental builds and restatements, on $name', (engine) => {
  const account = simulatedAccounts(engine);

  it('gives the same rows in every fact table (EXCEPT ALL both ways), equal to the truth', async () => {
    const { target, schema, simulator, baseUrl } = await account({ ...SHAPE, now: NOW });
    const generated = generateAccount({ ...SHAPE, now: new Date(NOW) });
    const orb = new Orb({ apiKey: 'k', baseURL: baseUrl, maxRetries: 0 });
    const [first, second] = generated.customers.filter((c) => generated.subscriptionsByCustomer.get(c)?.length);
    const metric = generated.catalogue.metrics[1]!;
    const usage = (customerId: string, at: Date, amount: number) => ({ eventName: metric.eventName, timestamp: at, properties: { [metric.property]: amount }, customerId });

    await syncFrom(baseUrl, target, schema);
    let replaced = '';
    // A month, a sync a day: late events arrive on their own, scheduled plan changes take effect.
    for (let day = 1; day <= 30; day += 1) {
      simulator.clock.advance({ days: 1 });
      const now = simulator.clock.now().getTime();
      if (day === 5) {
        const from = new Date(now - 20 * DAY_MS);
        replaced = await backfill(baseUrl, { customerId: first!.id, from, to: new Date(from.getTime() + 3 * DAY_MS), replace: true, events: [usage(first!.id, new Date(from.getTime() + 3_600_000), 5_000)] });
      }
      if (day === 12) {
        const from = new Date(now - 15 * DAY_MS);
        await backfill(baseUrl, { from, to: new Date(from.getTime() + 2 * DAY_MS), events: [usage(second!.id, new Date(from.getTime() + 7_200_000), 77_777)] });
      }
      if (day === 20) await orb.events.backfills.revert(replaced);
      await syncFrom(baseUrl, target, schema);
    }

    const restatements = await withDestination(target, schema, (d) => d.query<{ trigger: string; reason: string }>('select trigger, reason from restatements'));
    expect(restatements.filter((r) => r.trigger === 'backfill').map((r) => r.reason).sort()).toEqual(['reflected', 'reflected', 'reverted']);

    // Keep the incremental result, rebuild everything, and compare row for row.
    await withDestination(target, schema, async (d) => {
      for (const { name } of FACT_TABLES) await d.query(`create table incremental_${name} as select * from ${name}`);
    });
    const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
    await runBuild({ ...loadSettings({ env: {}, flags: { baseUrl, destination, schema } }), apiKey: '' }, silentLogger, true);
    await withDestination(target, schema, async (d) => {
      for (const { name } of FACT_TABLES) {
        for (const [a, b] of [[name, `incremental_${name}`], [`incremental_${name}`, name]]) {
          const diff = await d.query(`select * from ${a} except all select * from ${b}`);
          expect(diff, `${a} except all ${b}`).toEqual([]);
        }
      }
    });
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
  });
});
