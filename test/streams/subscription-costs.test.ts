import { describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { addDays, startOfLocalDay } from '../../src/util/time-zone.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 4, customers: 6, subscriptions: 10, days: 90 };
const NOW = '2026-11-30T06:00:00Z';
const onOrAfter = (day: string) => (row: string) => row.slice('day='.length, 'day='.length + 10) >= day;

describe.each(ENGINES)('subscription costs into $name', (engine) => {
  const account = simulatedAccounts(engine);

  const setUp = () => account({ ...SHAPE, now: NOW });

  it('starts a start date inside a billing period with that day\'s own cost, and an earlier start date extends every subscription', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    await syncFrom(baseUrl, target, schema, { startDate: '2026-11-20' });
    const truth = simulatorTruth(simulator);
    let facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts().filter(onOrAfter('2026-11-20')));
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts().filter(onOrAfter('2026-11-20')));

    // Later syncs re-read whole periods, and still keep nothing before the start date.
    simulator.clock.advance({ days: 1 });
    await syncFrom(baseUrl, target, schema, { startDate: '2026-11-20' });
    facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts().filter(onOrAfter('2026-11-20')));

    await syncFrom(baseUrl, target, schema, { startDate: '2026-10-05' });
    facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts().filter(onOrAfter('2026-10-05')));
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts().filter(onOrAfter('2026-10-05')));
  });

  it('puts a change older than the look-back but inside the current billing period on its own day', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    await syncFrom(baseUrl, target, schema);
    // An active subscription whose current billing period began before the changed day.
    const day = '2026-11-18';
    const [candidate] = await withDestination(target, schema, (d) =>
      d.query<{ subscription_id: string }>(
        `select subscription_id from raw_subscription_cost_days_latest
         where day = '2026-11-29' and period_first_day <= '2026-11-15' order by subscription_id limit 1`,
      ),
    );
    const subscription = simulator.truth.subscriptions().find((s) => s.id === candidate!.subscription_id)!;
    const metricId = simulator.truth.dailyUsage().find((u) => u.subscription_id === subscription.id)!.billable_metric_id;
    const metric = generateAccount({ ...SHAPE, now: new Date(NOW) }).catalogue.metrics.find((m) => m.id === metricId)!;
    const from = startOfLocalDay(day, subscription.timezone);
    const to = startOfLocalDay(addDays(day, 1), subscription.timezone);
    const before = simulatorTruth(simulator).dailySubscriptionCosts();
    await backfill(baseUrl, {
      customerId: subscription.customer_id,
      from,
      to,
      events: [{ eventName: metric.eventName, timestamp: new Date(from.getTime() + 3_600_000), properties: { [metric.property]: 250_000 } }],
    });
    simulator.clock.advance({ hours: 1 });
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    // The backfill moved that day's numbers (else this test proves nothing) …
    const onDay = (rows: string[]) => rows.filter((row) => row.startsWith(`day=${day}|subscription_id=${subscription.id}|`));
    expect(onDay(truth.dailySubscriptionCosts())).not.toEqual(onDay(before));
    const facts = await withDestination(target, schema, factsIn);
    // … and the facts moved on that day, not on the first re-read day.
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
  });
});
