import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../src/models/build-facts.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 12, customers: 4, subscriptions: 9, days: 40, now: new Date('2026-03-10T05:00:00Z') };

describe.each(ENGINES)('a full build in chunks of subscriptions, on $name', (engine) => {
  const account = simulatedAccounts(engine);

  it('builds every subscription of every chunk, each row equal to the truth, and counts rows over all chunks', async () => {
    const { target, schema, simulator, baseUrl } = await account(SHAPE);
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    await withDestination(target, schema, async (destination) => {
      const [staged] = await destination.query<{ subscriptions: string }>('select count(distinct subscription_id) as subscriptions from raw_subscription_cost_days');
      expect(Number(staged!.subscriptions)).toBeGreaterThan(3);
      // About 40 days a subscription: a chunk of 60 days holds one, or two short ones.
      const built = await buildFacts(destination, 'all', { chunkDays: 60 });
      const facts = await factsIn(destination);
      expect(facts.dailyCosts).toEqual(truth.dailyCosts());
      expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
      expect(facts.dailyUsage).toEqual(truth.dailyUsage());
      expect(built.rows.fct_daily_costs).toBe(truth.dailyCosts().length);
      expect(built.rows.fct_daily_usage).toBe(truth.dailyUsage().length);
      // build_scope is left empty, as after any build.
      expect(await destination.query('select * from build_scope')).toEqual([]);
    });
  });

  it('audits each chunk: a duplicated cost day fails the whole build and leaves the facts as they were', async () => {
    const { target, schema, baseUrl } = await account(SHAPE);
    await syncFrom(baseUrl, target, schema);
    await withDestination(target, schema, async (destination) => {
      const before = await factsIn(destination);
      // The latest version of one day twice: a grain the models cannot keep.
      const [day] = await destination.query<{ subscription_id: string; day: string }>(
        'select subscription_id, day from raw_subscription_cost_days order by subscription_id desc, day desc limit 1',
      );
      await destination.query(
        `insert into raw_subscription_price_costs select * from raw_subscription_price_costs where subscription_id = $1 and day = $2`,
        [day!.subscription_id, day!.day],
      );
      await expect(buildFacts(destination, 'all', { chunkDays: 60 })).rejects.toThrow(/audit failed, facts not changed: fct_daily_costs has 2 rows/);
      expect(await factsIn(destination)).toEqual(before);
    });
  });
});
