/**
 * sim.history: a unit price edited retroactively and a backdated cancellation change costs from
 * their instant on, in the truth and the costs endpoint alike, and nothing before it.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator, TruthDailyCost } from '../../src/simulator/index.js';
import { add, formatDecimal, multiply, parseDecimal } from '../../src/util/decimal.js';
import { localDate, startOfLocalDay } from '../../src/util/time-zone.js';
import { localDay } from './event-changes.js';
import { NOW, periodicCostRows, start, type Running } from './helpers.js';
import { accountOf, type Shape } from './listing.js';

const SHAPE: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 };
const FROM = '2025-03-01T12:00:00Z'; // mid-day in every zone of the account

/** The Starter plan's unit price on API calls (0.002), which many subscriptions pay. */
function starterApiCalls(sim: Simulator) {
  const starter = sim.truth.plans().find((p) => p.name === 'Starter')!;
  return sim.truth.prices().find((p) => p.plan_id === starter.id && p.name === 'API calls')!;
}

/** Every subscription's periodic costs over its whole history: the raw windows, and as truth rows. */
async function costsOf(r: Running) {
  const windows = new Map<string, any[]>();
  const rows: Omit<TruthDailyCost, 'plan_id'>[] = [];
  for (const s of r.sim.truth.subscriptions()) {
    windows.set(s.id, (await r.get(`/v1/subscriptions/${s.id}/costs?view_mode=periodic&timeframe_start=${s.start_date}`)).body.data);
    rows.push(...(await periodicCostRows(r, s)));
  }
  return { windows, rows };
}

const withoutPlan = (rows: TruthDailyCost[]) => rows.map(({ plan_id: _, ...row }) => row);

/** When the local day of a truth row ends, in ms. */
function dayEnd(r: Running, row: { day: string; subscription_id: string }): number {
  const { timezone } = r.sim.truth.subscriptions().find((s) => s.id === row.subscription_id)!;
  return localDay(row.day, timezone)[1];
}

/** A subscription's usage of one metric in [from, to), from the usage endpoint. */
async function usedBetween(r: Running, subscriptionId: string, metricId: string, from: number, to: number): Promise<string> {
  const query = new URLSearchParams({ timeframe_start: new Date(from).toISOString(), timeframe_end: new Date(to).toISOString() });
  const { data } = (await r.get(`/v1/subscriptions/${subscriptionId}/usage?${query}`)).body;
  return String(data.find((m: any) => m.billable_metric.id === metricId).usage[0].quantity);
}

describe('history.reprice', () => {
  it('changes the price from `from` on, in the truth and the costs endpoint alike; every day before is byte-identical', async () => {
    const r = await start(SHAPE);
    const price = starterApiCalls(r.sim);
    const before = { truth: r.sim.truth.dailyCosts(), totals: r.sim.truth.dailySubscriptionCosts(), http: await costsOf(r) };
    expect(withoutPlan(before.truth)).toEqual(before.http.rows);

    r.sim.history.reprice(price.id, { unitAmount: '0.02', from: FROM });
    const after = { truth: r.sim.truth.dailyCosts(), totals: r.sim.truth.dailySubscriptionCosts(), http: await costsOf(r) };
    expect(withoutPlan(after.truth)).toEqual(after.http.rows);
    expect(after.truth).toHaveLength(before.truth.length);

    const from = Date.parse(FROM);
    let changed = 0;
    let fullDays = 0;
    let partialDays = 0;
    for (const [i, row] of after.truth.entries()) {
      const old = before.truth[i]!;
      expect([row.day, row.subscription_id, row.price_id, row.quantity]).toEqual([old.day, old.subscription_id, old.price_id, old.quantity]);
      const end = dayEnd(r, row);
      // A day on another plan carries the price only as a zero after an upgrade, and keeps it.
      if (row.price_id !== price.id || end <= from || row.plan_id !== price.plan_id) {
        expect(row).toEqual(old);
        continue;
      }
      if (row.subtotal !== old.subtotal) changed++;
      const [dayStart] = localDay(row.day, r.sim.truth.subscriptions().find((s) => s.id === row.subscription_id)!.timezone);
      if (dayStart >= from) {
        fullDays++;
        expect(row.subtotal).toBe(formatDecimal(multiply(parseDecimal(row.quantity), parseDecimal('0.02'))));
      } else {
        // The day `from` falls in: usage before it at the old amount, after it at the new one.
        partialDays++;
        const early = await usedBetween(r, row.subscription_id, price.billable_metric_id!, dayStart, from);
        const late = await usedBetween(r, row.subscription_id, price.billable_metric_id!, from, end);
        const expected = add(multiply(parseDecimal(early), parseDecimal('0.002')), multiply(parseDecimal(late), parseDecimal('0.02')));
        expect(row.subtotal).toBe(formatDecimal(expected));
      }
    }
    expect(changed).toBeGreaterThan(50);
    expect(fullDays).toBeGreaterThan(50);
    expect(partialDays).toBeGreaterThan(2);

    // Subscription totals and the endpoint's windows: nothing before `from` moved, byte for byte.
    for (const [i, row] of after.totals.entries()) if (dayEnd(r, row) <= from) expect(row).toEqual(before.totals[i]);
    for (const [id, windows] of after.http.windows) {
      const earlier = (list: any[]) => list.filter((w) => Date.parse(w.timeframe_end) <= from).map((w) => JSON.stringify(w));
      expect(earlier(windows)).toEqual(earlier(before.http.windows.get(id)!));
    }
  });

  it('keeps the cumulative view the running sum of the periodic one', async () => {
    const r = await start(SHAPE);
    r.sim.history.reprice(starterApiCalls(r.sim).id, { unitAmount: '0.02', from: FROM });
    for (const s of r.sim.truth.subscriptions().filter((x) => x.status !== 'upcoming')) {
      const periodic = (await r.get(`/v1/subscriptions/${s.id}/costs?view_mode=periodic&timeframe_start=${s.start_date}`)).body.data;
      const cumulative = (await r.get(`/v1/subscriptions/${s.id}/costs?timeframe_start=${s.start_date}`)).body.data;
      let running = parseDecimal('0');
      periodic.forEach((w: any, k: number) => {
        running = k > 0 && cumulative[k].timeframe_start !== cumulative[k - 1].timeframe_start ? parseDecimal(w.subtotal) : add(running, parseDecimal(w.subtotal));
        expect(formatDecimal(running)).toBe(formatDecimal(parseDecimal(cumulative[k].subtotal)));
      });
    }
  });

  it('a later edit with an earlier `from` overrides the earlier one from there on', async () => {
    const twice = await start(SHAPE);
    const once = await start(SHAPE);
    const { id } = starterApiCalls(twice.sim);
    twice.sim.history.reprice(id, { unitAmount: '0.02', from: FROM });
    twice.sim.history.reprice(id, { unitAmount: '0.005', from: '2025-02-20T00:00:00Z' });
    once.sim.history.reprice(id, { unitAmount: '0.005', from: new Date('2025-02-20T00:00:00Z') });
    expect(twice.sim.truth.dailyCosts()).toEqual(once.sim.truth.dailyCosts());
    expect(once.sim.truth.dailyCosts()).not.toEqual((await start(SHAPE)).sim.truth.dailyCosts());
  });

  it('rejects what cannot be repriced', async () => {
    const { sim } = await start(SHAPE);
    const { id } = starterApiCalls(sim);
    const tiered = sim.truth.prices().find((p) => p.model_type === 'tiered')!.id;
    const fixed = sim.truth.prices().find((p) => p.billable_metric_id === null)!.id;
    const bad: [string, { unitAmount: any; from: any }][] = [
      ['price_missing', { unitAmount: '0.02', from: FROM }],
      [tiered, { unitAmount: '0.02', from: FROM }],
      [fixed, { unitAmount: '0.02', from: FROM }],
      [id, { unitAmount: '1e5', from: FROM }],
      [id, { unitAmount: '-0.02', from: FROM }],
      [id, { unitAmount: 0.02, from: FROM }],
      [id, { unitAmount: '0.02', from: 'yesterday' }],
      [id, { unitAmount: '0.02', from: '2025-03-15T10:00:01Z' }], // after now
    ];
    for (const [priceId, change] of bad) expect(() => sim.history.reprice(priceId, change), `${priceId} ${JSON.stringify(change)}`).toThrow();
    expect(sim.truth.dailyCosts()).toEqual((await start(SHAPE)).sim.truth.dailyCosts());
  });
});

describe('history.endSubscription', () => {
  /** An active subscription that upgraded from Starter to Growth before NOW. */
  function upgraded(r: Running) {
    const record = accountOf(SHAPE).subscriptions.find((s) => s.phases.length === 2 && s.endDate === null && s.phases[1]!.start.getTime() < Date.parse(NOW))!;
    return r.sim.truth.subscriptions().find((s) => s.id === record.id)!;
  }

  it('ends it at the local midnight after `at`: its costs and usage after that vanish, everything else stays', async () => {
    const r = await start(SHAPE);
    const s = r.sim.truth.subscriptions().find((x) => x.status === 'active' && x.timezone === 'Asia/Kolkata' && x.start_date < '2025-02-01')!;
    const volumeFrom = new Date('2025-03-01T00:00:00Z');
    const before = { costs: r.sim.truth.dailyCosts(), usage: r.sim.truth.dailyUsage(), volume: r.sim.truth.hourlyVolume(volumeFrom) };

    const at = '2025-03-05T15:00:00Z'; // 20:30 in Kolkata: the subscription's last day is 2025-03-05
    r.sim.history.endSubscription(s.id, at);
    const endDate = startOfLocalDay('2025-03-06', s.timezone).toISOString().replace('.000Z', 'Z');
    expect(localDate(new Date(at), s.timezone)).toBe('2025-03-05');

    expect(r.sim.truth.subscriptions().find((x) => x.id === s.id)).toEqual({ ...s, end_date: endDate, status: 'ended' });
    expect(await r.client.subscriptions.fetch(s.id)).toMatchObject({ end_date: endDate, status: 'ended' });
    const kept = (rows: { day: string; subscription_id: string }[]) => rows.filter((row) => row.subscription_id !== s.id || row.day < '2025-03-06');
    expect(r.sim.truth.dailyCosts()).toEqual(kept(before.costs));
    expect(r.sim.truth.dailyUsage()).toEqual(kept(before.usage));
    expect(r.sim.truth.hourlyVolume(volumeFrom)).toEqual(before.volume); // the customer's events still arrive
    expect(withoutPlan(r.sim.truth.dailyCosts().filter((row) => row.subscription_id === s.id))).toEqual(
      await periodicCostRows(r, r.sim.truth.subscriptions().find((x) => x.id === s.id)!),
    );
    expect(before.costs.some((row) => row.subscription_id === s.id && row.day >= '2025-03-06')).toBe(true);
  });

  it('ended before its upgrade, a subscription never reaches the new plan: one schedule item, no day on Growth', async () => {
    const r = await start(SHAPE);
    const s = upgraded(r);
    const [starter, growth] = r.sim.truth.schedules().filter((item) => item.subscription_id === s.id);
    const before = r.sim.truth.dailyCosts().filter((row) => row.subscription_id === s.id);
    r.sim.history.endSubscription(s.id, new Date(Date.parse(growth!.start_date) - 12 * 3_600_000));

    const schedule = r.sim.truth.schedules().filter((item) => item.subscription_id === s.id);
    expect(schedule).toEqual([{ ...starter, end_date: growth!.start_date }]);
    const served = (await r.get(`/v1/subscriptions/${s.id}/schedule`)).body.data;
    expect(served.map((item: any) => ({ subscription_id: s.id, plan_id: item.plan.id, start_date: item.start_date, end_date: item.end_date }))).toEqual(schedule);
    expect(await r.client.subscriptions.fetch(s.id)).toMatchObject({ status: 'ended', end_date: growth!.start_date, plan: { id: starter!.plan_id } });
    const after = r.sim.truth.dailyCosts().filter((row) => row.subscription_id === s.id);
    expect(after.every((row) => row.plan_id === starter!.plan_id)).toBe(true);
    expect(after).toEqual(before.filter((row) => row.plan_id === starter!.plan_id));
  });

  it('rejects an unknown subscription, an instant after now, an end not after the start, and one not earlier than the current end', async () => {
    const r = await start(SHAPE);
    const active = r.sim.truth.subscriptions().find((x) => x.status === 'active')!;
    const ended = r.sim.truth.subscriptions().find((x) => x.status === 'ended')!;
    const bad: [string, string][] = [
      ['sub_missing', '2025-03-01T00:00:00Z'],
      [active.id, '2025-03-15T10:00:01Z'],
      [active.id, active.start_date],
      [active.id, new Date(Date.parse(active.start_date) - 86_400_000).toISOString()],
      [ended.id, ended.end_date!],
      [ended.id, new Date(Date.parse(ended.end_date!) - 1).toISOString()], // rounds up to the same end
    ];
    const truth = r.sim.truth.subscriptions();
    for (const [id, at] of bad) expect(() => r.sim.history.endSubscription(id, at), `${id} ${at}`).toThrow(/history\.endSubscription/);
    expect(r.sim.truth.subscriptions()).toEqual(truth);
  });
});
