import { describe, expect, it } from 'vitest';
import { add, canonicalDecimal, formatDecimal, parseDecimal, ZERO } from '../../src/util/decimal.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, restateFrom, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const NOW = '2026-11-30T06:00:00Z';
const SHAPE = { seed: 4, customers: 6, subscriptions: 10, days: 90 };

/** Fact rows ("day=…|subscription_id=…|…") of the given subscriptions inside [from, to]. */
function inScope(rows: string[], subscriptions: readonly string[], from: string, to: string): string[] {
  return rows.filter((row) => {
    const day = row.slice(4, 14);
    return day >= from && day <= to && subscriptions.some((id) => row.includes(`|subscription_id=${id}|`));
  });
}

/** Σ total per currency of truth cost rows. */
function totals(rows: ReadonlyArray<{ currency: string; total: string }>): Map<string, string> {
  const byCurrency = new Map<string, ReturnType<typeof parseDecimal>>();
  for (const row of rows) byCurrency.set(row.currency, add(byCurrency.get(row.currency) ?? ZERO, parseDecimal(row.total)));
  return new Map([...byCurrency].map(([currency, total]) => [currency, formatDecimal(total)]));
}

describe.each(ENGINES)('restatements on $name', (engine) => {
  const account = simulatedAccounts(engine);

  async function synced() {
    const fresh = await account({ ...SHAPE, now: NOW });
    await syncFrom(fresh.baseUrl, fresh.target, fresh.schema);
    return fresh;
  }

  it('restate by hand after a retroactive price edit: exact inside the scope, untouched outside, recorded; a rerun records a zero delta', async () => {
    const { target, schema, simulator, baseUrl } = await synced();
    // A unit price billed before the edit's day by some subscriptions.
    // To today: a scope is widened to whole billing periods, so it ends where the current period does.
    const [from, to] = ['2026-10-10', '2026-11-30'];
    const priceRow = simulator.truth.dailyCosts().find((c) => c.day === '2026-10-12' && c.price_id && Number(c.quantity) > 1000 && Number(c.total) > 0)!;
    const affected = [...new Set(simulator.truth.dailyCosts().filter((c) => c.price_id === priceRow.price_id).map((c) => c.subscription_id))];
    const oldTruth = simulator.truth.dailyCosts();
    const before = await withDestination(target, schema, factsIn);

    simulator.history.reprice(priceRow.price_id, { unitAmount: '0.5', from: '2026-10-12T00:00:00Z' });
    const truth = simulatorTruth(simulator);
    expect(truth.dailyCosts()).not.toEqual(before.dailyCosts); // the edit changed history

    const [outcome] = await restateFrom(baseUrl, target, schema, { from, to, customers: [], subscriptions: affected, reason: 'price edited' });
    const after = await withDestination(target, schema, factsIn);
    // Inside the scope: the new truth. Outside: exactly what was there.
    expect(inScope(after.dailyCosts, affected, from, to)).toEqual(inScope(truth.dailyCosts(), affected, from, to));
    expect(inScope(after.dailySubscriptionCosts, affected, from, to)).toEqual(inScope(truth.dailySubscriptionCosts(), affected, from, to));
    const outside = (rows: string[]) => rows.filter((row) => !inScope(rows, affected, from, to).includes(row));
    expect(outside(after.dailyCosts)).toEqual(outside(before.dailyCosts));

    // The ledger: one manual restatement, its scope, and Σ total before/after equal to the truth's.
    const inScopeTruth = (rows: typeof oldTruth) => rows.filter((c) => affected.includes(c.subscription_id) && c.day >= from && c.day <= to);
    const expectedBefore = totals(inScopeTruth(oldTruth));
    const expectedAfter = totals(inScopeTruth(simulator.truth.dailyCosts()));
    expect(outcome!.totals).toEqual(
      [...expectedAfter.keys()].sort().map((currency) => ({ currency, before: expectedBefore.get(currency), after: expectedAfter.get(currency) })),
    );
    const ledger = await withDestination(target, schema, async (d) => ({
      restatements: await d.query('select trigger, reason, day_from, day_to, status from restatements'),
      scope: await d.query<{ n: string }>('select count(*) as n from restatement_scope'),
      totals: await d.query('select currency, total_before, total_after from restatement_totals order by currency'),
    }));
    expect(ledger.restatements).toEqual([{ trigger: 'manual', reason: 'price edited', day_from: from, day_to: '2026-12-01', status: 'done' }]);
    expect(ledger.scope).toEqual([{ n: String(affected.length) }]);
    expect(ledger.totals).toEqual(outcome!.totals.map((t) => ({ currency: t.currency, total_before: t.before, total_after: t.after })));

    const [again] = await restateFrom(baseUrl, target, schema, { from, to, customers: [], subscriptions: affected });
    for (const t of again!.totals) expect(canonicalDecimal(t.after)).toBe(canonicalDecimal(t.before));
    expect(await withDestination(target, schema, factsIn)).toEqual(after);
  });

  it('a backdated cancellation: the days Orb no longer returns vanish from the facts', async () => {
    const { target, schema, simulator, baseUrl } = await synced();
    const subscription = simulator.truth
      .subscriptions()
      .filter((s) => s.status === 'active')
      .sort((a, b) => (a.start_date < b.start_date ? -1 : 1))[0]!;
    simulator.history.endSubscription(subscription.id, '2026-11-10T12:00:00Z');
    const truth = simulatorTruth(simulator);
    const mine = (rows: string[]) => rows.filter((row) => row.includes(`|subscription_id=${subscription.id}|`));
    expect(mine(truth.dailyCosts()).length).toBeLessThan(mine((await withDestination(target, schema, factsIn)).dailyCosts).length);

    await restateFrom(baseUrl, target, schema, { from: '2026-11-01', to: '2026-11-29', customers: [], subscriptions: [subscription.id] });
    const facts = await withDestination(target, schema, factsIn);
    expect(mine(facts.dailyCosts)).toEqual(mine(truth.dailyCosts()));
    expect(mine(facts.dailySubscriptionCosts)).toEqual(mine(truth.dailySubscriptionCosts()));
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
  });

  it('records a lookback restatement when late events moved days already built, and none when nothing moved', async () => {
    const { target, schema, simulator, baseUrl } = await synced();
    const oldTruth = simulator.truth.dailyCosts();
    simulator.clock.advance({ hours: 10 }); // late events of the last days arrive inside the grace period
    await syncFrom(baseUrl, target, schema);
    const ledger = await withDestination(target, schema, async (d) => ({
      restatements: await d.query<{ restatement_id: string; status: string }>("select restatement_id, status from restatements where trigger = 'lookback'"),
      scope: await d.query<{ subscription_id: string; day_from: string; day_to: string }>('select subscription_id, day_from, day_to from restatement_scope'),
      totals: await d.query<{ currency: string; total_before: string; total_after: string }>('select currency, total_before, total_after from restatement_totals order by currency'),
    }));
    expect(ledger.restatements).toHaveLength(1);
    expect(ledger.restatements[0]!.status).toBe('done');
    // Its totals are the truth's over its scope, before and after the late events.
    const scope = (rows: typeof oldTruth) =>
      rows.filter((c) => ledger.scope.some((s) => s.subscription_id === c.subscription_id && c.day >= s.day_from && c.day < s.day_to));
    const before = totals(scope(oldTruth));
    const after = totals(scope(simulator.truth.dailyCosts()));
    expect(ledger.totals).toEqual([...after.keys()].sort().map((currency) => ({ currency, total_before: before.get(currency), total_after: after.get(currency) })));
    expect(ledger.totals.some((t) => t.total_before !== t.total_after)).toBe(true);

    await syncFrom(baseUrl, target, schema);
    const count = await withDestination(target, schema, (d) => d.query<{ n: string }>("select count(*) as n from restatements where trigger = 'lookback'"));
    expect(count).toEqual([{ n: '1' }]);
  });
});
