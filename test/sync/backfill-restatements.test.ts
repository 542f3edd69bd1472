import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { add, formatDecimal, parseDecimal, ZERO } from '../../src/util/decimal.js';
import { addDays, localDate } from '../../src/util/time-zone.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const NOW = '2026-11-30T06:00:00Z';
const SHAPE = { seed: 4, customers: 6, subscriptions: 10, days: 120 };
const DAY_MS = 86_400_000;
/** Event volume read 60 days back, so the backfill's hours are in it and restated too. */
const VOLUME = { volumeDays: '60' };

/** Σ total per currency over truth rows of the given subscriptions and [from, to) local days. */
function totals(rows: ReadonlyArray<{ subscription_id: string; day: string; currency: string; total: string }>, scope: Map<string, [string, string]>) {
  const byCurrency = new Map<string, ReturnType<typeof parseDecimal>>();
  for (const row of rows) {
    const days = scope.get(row.subscription_id);
    if (days && row.day >= days[0] && row.day < days[1]) byCurrency.set(row.currency, add(byCurrency.get(row.currency) ?? ZERO, parseDecimal(row.total)));
  }
  return new Map([...byCurrency].map(([currency, total]) => [currency, formatDecimal(total)]));
}

describe.each(ENGINES)('backfill-aware restatement on $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function synced() {
    const fresh = await account({ ...SHAPE, now: NOW });
    await syncFrom(fresh.baseUrl, fresh.target, fresh.schema, VOLUME);
    return fresh;
  }

  const generated = generateAccount({ ...SHAPE, now: new Date(NOW) });

  it.each([
    { name: "a customer's usage replaced 45..38 days back", scoped: true, replace: true },
    { name: 'usage added for every customer 45..38 days back', scoped: false, replace: false },
  ])('$name: exactly the scope changes to the new truth, a revert restores every number', async ({ scoped, replace }) => {
    const { target, schema, simulator, baseUrl } = await synced();
    const subscription = simulator.truth
      .subscriptions()
      .filter((s) => s.status === 'active')
      .sort((a, b) => (a.start_date < b.start_date ? -1 : 1))[0]!;
    expect(subscription.start_date < '2026-10-15').toBe(true);
    const customer = generated.customersById.get(subscription.customer_id)!;
    const metricId = simulator.truth.dailyUsage().find((u) => u.subscription_id === subscription.id)!.billable_metric_id;
    const metric = generated.catalogue.metrics.find((m) => m.id === metricId)!;
    const from = new Date(Date.parse(NOW) - 45 * DAY_MS);
    const to = new Date(Date.parse(NOW) - 38 * DAY_MS);
    const original = await withDestination(target, schema, factsIn);
    // The truth's volume over the hours the facts hold (the synced range).
    const truthVolume = (rows: string[]) => {
      const hours = rows.map((row) => row.slice('hour='.length, row.indexOf('|'))).sort();
      return simulatorTruth(simulator).hourlyVolume(new Date(hours[0]!), new Date(Date.parse(hours.at(-1)!) + 3_600_000));
    };
    const originalTruth = simulator.truth.dailyCosts();

    const orb = new Orb({ apiKey: 'k', baseURL: baseUrl, maxRetries: 0 });
    const id = await backfill(baseUrl, {
      customerId: scoped ? subscription.customer_id : undefined,
      from,
      to,
      replace,
      events: [{ eventName: metric.eventName, timestamp: new Date(from.getTime() + 3_600_000), properties: { [metric.property]: 123_456 }, customerId: customer.id }],
    });
    await syncFrom(baseUrl, target, schema, VOLUME);
    expect((await orb.events.backfills.fetch(id)).status).toBe('reflected');
    // The simulator reflected it during that sync; the next one (or the same, if it saw it) restates.
    await syncFrom(baseUrl, target, schema, VOLUME);
    const truth = simulatorTruth(simulator);
    expect(truth.dailyCosts()).not.toEqual(original.dailyCosts); // the backfill changed history
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    expect(facts.dailyUsage).toEqual(truth.dailyUsage());
    expect(facts.hourlyVolume).toEqual(truthVolume(facts.hourlyVolume));

    // The ledger: one backfill restatement, its subscriptions, and totals equal to the truth's.
    const ledger = await withDestination(target, schema, async (d) => ({
      restatements: await d.query<{ restatement_id: string; reason: string; status: string }>(
        "select restatement_id, reason, status from restatements where trigger = 'backfill' and backfill_id = $1",
        [id],
      ),
      scope: await d.query<{ subscription_id: string; day_from: string; day_to: string }>(
        "select s.subscription_id, s.day_from, s.day_to from restatement_scope s join restatements r using (restatement_id) where r.backfill_id = $1",
        [id],
      ),
      totals: await d.query<{ currency: string; total_before: string; total_after: string }>(
        'select t.currency, t.total_before, t.total_after from restatement_totals t join restatements r using (restatement_id) where r.backfill_id = $1 order by t.currency',
        [id],
      ),
    }));
    expect(ledger.restatements.map((r) => [r.reason, r.status])).toEqual([['reflected', 'done']]);
    const expectedSubscriptions = simulator.truth
      .subscriptions()
      .filter((s) => (!scoped || s.customer_id === subscription.customer_id) && s.start_date < to.toISOString() && (s.end_date === null || s.end_date > from.toISOString()));
    expect(ledger.scope.map((s) => s.subscription_id).sort()).toEqual(expectedSubscriptions.map((s) => s.id).sort());
    for (const s of ledger.scope) {
      const tz = simulator.truth.subscriptions().find((t) => t.id === s.subscription_id)!.timezone;
      expect([s.day_from, s.day_to]).toEqual([localDate(from, tz), addDays(localDate(new Date(to.getTime() - 1), tz), 1)]);
    }
    const scope = new Map(ledger.scope.map((s) => [s.subscription_id, [s.day_from, s.day_to] as [string, string]]));
    const outside = (rows: string[]) => rows.filter((row) => ![...scope.keys()].some((sub) => row.includes(`|subscription_id=${sub}|`)));
    expect(outside(facts.dailyCosts)).toEqual(outside(original.dailyCosts));
    const before = totals(originalTruth, scope);
    const after = totals(simulator.truth.dailyCosts(), scope);
    expect(ledger.totals).toEqual([...new Set([...before.keys(), ...after.keys()])].sort().map((currency) => ({
      currency,
      total_before: before.get(currency) ?? '0',
      total_after: after.get(currency) ?? '0',
    })));

    // Revert: every number back to the original.
    await orb.events.backfills.revert(id);
    await syncFrom(baseUrl, target, schema, VOLUME);
    await syncFrom(baseUrl, target, schema, VOLUME);
    expect((await orb.events.backfills.fetch(id)).status).toBe('reverted');
    const reverted = await withDestination(target, schema, factsIn);
    expect(reverted.dailyCosts).toEqual(simulatorTruth(simulator).dailyCosts());
    expect(reverted.dailyCosts).toEqual(original.dailyCosts);
    expect(reverted.dailyUsage).toEqual(simulatorTruth(simulator).dailyUsage());
    expect(reverted.hourlyVolume).toEqual(truthVolume(reverted.hourlyVolume));
    const restated = await withDestination(target, schema, (d) =>
      d.query<{ reason: string }>("select reason from restatements where backfill_id = $1 order by restatement_id", [id]),
    );
    expect(restated.map((r) => r.reason)).toEqual(['reflected', 'reverted']);
  });
});
