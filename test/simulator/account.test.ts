/** The seeded account: determinism, guaranteed variety for any seed, and scale. */
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { NOW, start } from './helpers.js';

describe('determinism', () => {
  it('two simulators with the same seed serve identical JSON; another seed differs', async () => {
    const snapshot = async (seed: number) => {
      const { client, sim } = await start({ seed, subscriptions: 40 });
      const subscriptions = [];
      for await (const s of client.subscriptions.list({ limit: 13 })) subscriptions.push(s);
      const costs = [];
      for (const s of sim.truth.subscriptions().slice(0, 8)) {
        costs.push(await client.subscriptions.fetchCosts(s.id, { timeframe_start: s.start_date, view_mode: 'periodic' }));
        costs.push(await client.subscriptions.fetchCosts(s.id));
      }
      return JSON.stringify({ subscriptions, costs, truth: sim.truth.dailyCosts() });
    };
    const first = await snapshot(7);
    expect(await snapshot(7)).toBe(first);
    expect(await snapshot(8)).not.toBe(first);
  });

  it('the default clock is the current UTC hour', () => {
    const sim = createSimulator();
    const now = sim.clock.now().getTime();
    expect(now % 3_600_000).toBe(0);
    expect(Date.now() - now).toBeLessThan(3_600_000 + 1000);
  });
});

describe('account layout', () => {
  it.each([1, 2, 3, 42, 1234])('seed %i has every plan, ended subscriptions and an active Growth customer in Asia/Kolkata', async (seed) => {
    const { sim, get } = await start({ seed });
    const subs = sim.truth.subscriptions();
    expect(subs).toHaveLength(30);
    // Every customer but one has a subscription, and every zone a subscribed customer.
    const customers = sim.truth.customers();
    expect(customers).toHaveLength(12);
    expect(customers.filter((c) => !subs.some((s) => s.customer_id === c.id))).toHaveLength(1);
    expect(new Set(subs.map((s) => s.timezone))).toEqual(
      new Set(['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'Europe/Berlin', 'Australia/Adelaide', 'Asia/Kathmandu', 'America/Santiago']),
    );
    const ended = subs.filter((s) => s.status === 'ended');
    expect(ended.length).toBe(6);
    for (const s of ended) expect(Date.parse(s.end_date!)).toBeGreaterThan(Date.parse(s.start_date));
    const history = Date.parse(NOW) - 120 * 86_400_000;
    for (const s of subs) expect(Date.parse(s.start_date)).toBeGreaterThanOrEqual(history);

    const plans = new Map<string, string>();
    const cycleDays = new Set<number>();
    for (const s of subs) {
      const { body } = await get(`/subscriptions/${s.id}`);
      plans.set(s.id, body.plan.name);
      cycleDays.add(body.billing_cycle_day);
    }
    expect(new Set(plans.values())).toEqual(new Set(['Starter', 'Growth', 'Scale']));
    expect(subs.some((s) => s.timezone === 'Asia/Kolkata' && s.status === 'active' && plans.get(s.id) === 'Growth')).toBe(true);
    // Billing periods of different subscriptions start on different days of the month.
    expect(cycleDays.size).toBeGreaterThan(5);
  });

  it('stays lazy with 10,000 subscriptions over a year', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const { sim, client } = await start({ subscriptions: 10_000, customers: 2_000, days: 365 });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    const page = await client.subscriptions.list({ limit: 100 });
    expect(page.data).toHaveLength(100);
    const oldest = sim.truth.subscriptions().filter((s) => s.status === 'active').at(-1)!;
    // How fast is measured by the scale benchmark (bench/simulator-scale.mjs), not asserted here.
    const costs = await client.subscriptions.fetchCosts(oldest.id, { timeframe_start: oldest.start_date, view_mode: 'periodic' });
    expect(costs.data.length).toBeGreaterThan(300);
  });
});
