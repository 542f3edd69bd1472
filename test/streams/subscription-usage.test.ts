import { describe, expect, it } from 'vitest';
import { RejectedRecordsError } from '../../src/errors.js';
import { generateAccount } from '../../src/simulator/account.js';
import { addDays, localDate, startOfLocalDay } from '../../src/util/time-zone.js';
import type { Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { asFacts, factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

// 90 days back from NOW cross the end of daylight saving time in Europe (Oct 25) and the US (Nov 1).
const SHAPE = { seed: 5, customers: 8, subscriptions: 12, days: 90 };
const NOW = '2026-11-30T06:00:00Z';
const USAGE = ['day', 'subscription_id', 'customer_id', 'billable_metric_id', 'quantity'];
const GROUPED = ['day', 'subscription_id', 'customer_id', 'billable_metric_id', 'group_key', 'group_value', 'quantity'];
const USAGE_PATH = /^\/subscriptions\/([^/]+)\/usage$/;

/** The simulator's usage truth with each subscription's customer, as fact rows. */
function truth(simulator: Simulator) {
  const customers = new Map(simulator.truth.subscriptions().map((s) => [s.id, s.customer_id]));
  const withCustomer = <T extends { subscription_id: string }>(row: T) => ({ ...row, customer_id: customers.get(row.subscription_id)! });
  return {
    usage: () => asFacts(simulator.truth.dailyUsage().map(withCustomer), USAGE),
    grouped: (property: string, metrics: readonly string[]) =>
      asFacts(simulator.truth.dailyUsageByGroup(property).filter((r) => metrics.includes(r.billable_metric_id)).map(withCustomer), GROUPED),
  };
}

/** The usage calls of the simulator's log since its last reset: per call, the subscription and grouping. */
function usageCalls(simulator: Simulator) {
  return simulator.requests
    .log()
    .filter((r) => USAGE_PATH.test(r.path))
    .map((r) => ({ subscription: USAGE_PATH.exec(r.path)![1]!, query: new URLSearchParams(r.query) }));
}

describe.each(ENGINES)('subscription usage into $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function setUp() {
    const fresh = await account({ ...SHAPE, now: NOW });
    const facts = (table: string, columns: string[]) =>
      withDestination(fresh.target, fresh.schema, async (d) => asFacts(await d.query(`select ${columns.join(', ')} from ${table}`), columns));
    return { ...fresh, facts };
  }

  it('equals the daily usage truth for every day, subscription and metric, in a half-hour zone and on DST days, one call per active subscription', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    await syncFrom(baseUrl, target, schema);
    const expected = truth(simulator).usage();
    expect(await facts('fct_daily_usage', USAGE)).toEqual(expected);

    // The comparison covers a Kolkata customer (+05:30) and the 25-hour day that ends DST in Los Angeles.
    const subscriptions = simulator.truth.subscriptions();
    const kolkata = subscriptions.find((s) => s.timezone === 'Asia/Kolkata' && s.status !== 'upcoming')!;
    expect(expected.some((row) => row.includes(`subscription_id=${kolkata.id}|`))).toBe(true);
    const losAngeles = subscriptions.find((s) => s.timezone === 'America/Los_Angeles' && s.start_date < '2026-11-01')!;
    const [dstDay] = await withDestination(target, schema, (d) =>
      d.query<{ timeframe_start: string; timeframe_end: string }>(
        "select timeframe_start, timeframe_end from raw_subscription_usage_days where subscription_id = $1 and day = '2026-11-01'",
        [losAngeles.id],
      ),
    );
    expect(Date.parse(dstDay!.timeframe_end) - Date.parse(dstDay!.timeframe_start)).toBe(25 * 3_600_000);
    expect(expected.some((row) => row.startsWith(`day=2026-11-01|subscription_id=${losAngeles.id}|`))).toBe(true);

    // A day later: late events and the new day arrive; each active subscription is read once, an
    // ended one read whole before is not read again.
    simulator.clock.advance({ days: 1 });
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema);
    const active = simulator.truth.subscriptions().filter((s) => s.status === 'active').map((s) => s.id).sort();
    expect(active.length).toBeGreaterThan(3);
    expect(usageCalls(simulator).map((c) => c.subscription).sort()).toEqual(active);
    for (const { query } of usageCalls(simulator)) {
      expect([query.get('granularity'), query.get('view_mode'), query.get('group_by')]).toEqual(['day', 'periodic', null]);
    }
    const later = truth(simulator).usage();
    expect(later).not.toEqual(expected);
    expect(await facts('fct_daily_usage', USAGE)).toEqual(later);
  });

  it('splits the configured metrics by an event property, one more call per subscription and metric it bills', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    const metrics = [...new Set(simulator.truth.dailyUsage().map((r) => r.billable_metric_id))].sort().slice(0, 2);
    const usageGroupBy = metrics.map((metric) => `${metric}=region`).join(',');
    await syncFrom(baseUrl, target, schema, { usageGroupBy });
    expect(await facts('fct_daily_usage_by_group', GROUPED)).toEqual(truth(simulator).grouped('region', metrics));
    expect(await facts('fct_daily_usage', USAGE)).toEqual(truth(simulator).usage());

    simulator.clock.advance({ hours: 20 });
    simulator.requests.reset();
    await syncFrom(baseUrl, target, schema, { usageGroupBy });
    expect(await facts('fct_daily_usage_by_group', GROUPED)).toEqual(truth(simulator).grouped('region', metrics));
    const calls = usageCalls(simulator);
    const active = simulator.truth.subscriptions().filter((s) => s.status === 'active');
    const billed = new Set(simulator.truth.dailyUsage().map((r) => `${r.subscription_id}/${r.billable_metric_id}`));
    const expectedGrouped = active.flatMap((s) => metrics.filter((m) => billed.has(`${s.id}/${m}`)).map((m) => `${s.id}/${m}`)).sort();
    expect(expectedGrouped.length).toBeGreaterThan(0);
    expect(calls.filter((c) => !c.query.has('group_by')).map((c) => c.subscription).sort()).toEqual(active.map((s) => s.id).sort());
    expect(calls.filter((c) => c.query.get('group_by') === 'region').map((c) => `${c.subscription}/${c.query.get('billable_metric_id')}`).sort()).toEqual(
      expectedGrouped,
    );
  });

  it('rejects only the subscription and metric whose groups Orb pages (over 1000), keeps every other fact, exits non-zero, reads it again next sync', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    const metrics = [...new Set(simulator.truth.dailyUsage().map((r) => r.billable_metric_id))].sort().slice(0, 2);
    const usageGroupBy = metrics.map((metric) => `${metric}=region`).join(',');
    const grouped = truth(simulator).grouped('region', metrics);
    const ofFirstMetric = (row: string) => row.includes(`|billable_metric_id=${metrics[0]}|`);
    const victim = grouped.filter(ofFirstMetric).map((row) => /\|subscription_id=([^|]+)\|/.exec(row)![1]!).sort()[0]!;
    const isVictim = (row: string) => ofFirstMetric(row) && row.includes(`|subscription_id=${victim}|`);
    expect(grouped.filter(isVictim).length).toBeGreaterThan(0);
    expect(grouped.filter((row) => !isVictim(row)).length).toBeGreaterThan(0);
    // The victim's grouped usage of the first metric comes back saying more groups follow.
    simulator.faults.inject({
      path: `/subscriptions/${victim}/usage`,
      kind: 'mutate',
      times: Infinity,
      mutate: (body) => {
        const usage = body as { data: Array<{ billable_metric: { id: string }; metric_group?: unknown }>; pagination_metadata: unknown };
        if (usage.data.some((d) => d.metric_group !== undefined && d.billable_metric.id === metrics[0])) {
          usage.pagination_metadata = { has_more: true, next_cursor: 'more-groups' };
        }
        return usage;
      },
    });
    const failure = await syncFrom(baseUrl, target, schema, { usageGroupBy }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RejectedRecordsError);
    expect((failure as Error).message).toContain(`subscription ${victim}: Orb pages usage of ${metrics[0]} by region (over 1000 groups)`);
    expect(await facts('fct_daily_usage_by_group', GROUPED)).toEqual(grouped.filter((row) => !isVictim(row)));
    expect(await facts('fct_daily_usage', USAGE)).toEqual(truth(simulator).usage());
    const { dailyCosts } = await withDestination(target, schema, factsIn);
    expect(dailyCosts).toEqual(simulatorTruth(simulator).dailyCosts());
    const rejects = await withDestination(target, schema, (d) => d.query<{ stream: string; partition_key: string }>('select stream, partition_key from rejects'));
    expect(rejects).toEqual([{ stream: 'subscription_usage_groups', partition_key: `${victim}/${metrics[0]}/region` }]);

    // Orb answers whole again: the next sync reads the partition's history, since its cursor stayed.
    simulator.faults.clear();
    await syncFrom(baseUrl, target, schema, { usageGroupBy });
    expect(await facts('fct_daily_usage_by_group', GROUPED)).toEqual(grouped);
  });

  it('drops the groups of days a replacing backfill left without usage of the metric, even when none is left in the re-read window', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    const [metricId] = [...new Set(simulator.truth.dailyUsage().map((r) => r.billable_metric_id))].sort();
    const usageGroupBy = `${metricId}=region`;
    await syncFrom(baseUrl, target, schema, { usageGroupBy });
    // A subscription with grouped usage on the last full day the first sync read.
    const lastDay = (tz: string) => localDate(new Date(Date.parse(NOW) - 1), tz);
    const subscription = simulator.truth.subscriptions().find((s) =>
      simulator.truth.dailyUsageByGroup('region').some((r) => r.subscription_id === s.id && r.billable_metric_id === metricId && r.day === addDays(lastDay(s.timezone), -1)),
    )!;
    const day = addDays(lastDay(subscription.timezone), -1);
    const { catalogue } = generateAccount({ ...SHAPE, now: new Date(NOW) });
    const metric = catalogue.metrics.find((m) => m.id === metricId)!;
    const other = catalogue.metrics.find((m) => m.eventName !== metric.eventName)!;
    // The whole next re-read window (lookbackDays before the last day read, to then): Orb lists no
    // value of the property at all, and only the read's own days say the groups are gone.
    const from = startOfLocalDay(addDays(lastDay(subscription.timezone), -2), subscription.timezone);
    await backfill(baseUrl, {
      customerId: subscription.customer_id,
      from,
      to: new Date(Date.parse(NOW) + 3_600_000), // the hour the clock moves on too
      replace: true,
      events: [{ eventName: other.eventName, timestamp: new Date(from.getTime() + 3_600_000), properties: { [other.property]: 1, region: 'eu-west-1' } }],
    });
    simulator.clock.advance({ hours: 1 });
    await syncFrom(baseUrl, target, schema, { usageGroupBy });
    const expected = truth(simulator).grouped('region', [metricId!]);
    expect(expected.some((r) => r.startsWith(`day=${day}|subscription_id=${subscription.id}|`))).toBe(false);
    expect(await facts('fct_daily_usage_by_group', GROUPED)).toEqual(expected);
    expect(await facts('fct_daily_usage', USAGE)).toEqual(truth(simulator).usage());
  });

  it('starts at the start date, and an earlier start date extends the history', async () => {
    const { target, schema, simulator, baseUrl, facts } = await setUp();
    const onOrAfter = (day: string) => (row: string) => row.slice('day='.length, 'day='.length + 10) >= day;
    await syncFrom(baseUrl, target, schema, { startDate: '2026-11-20' });
    expect(await facts('fct_daily_usage', USAGE)).toEqual(truth(simulator).usage().filter(onOrAfter('2026-11-20')));
    await syncFrom(baseUrl, target, schema, { startDate: '2026-10-05' });
    expect(await facts('fct_daily_usage', USAGE)).toEqual(truth(simulator).usage().filter(onOrAfter('2026-10-05')));
  });
});
