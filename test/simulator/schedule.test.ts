/**
 * GET /subscriptions/{id}/schedule: one item per plan a subscription is on, checked against the
 * subscription object, the catalogue records, its costs (which switch prices on the upgrade day) and
 * the ground truth.
 */
import { describe, expect, it } from 'vitest';
import type { SubscriptionRecord } from '../../src/simulator/account.js';
import { start, type Running } from './helpers.js';
import { accountOf, allPages, VALIDATION_ERROR, type Shape } from './listing.js';

const SHAPE: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 };

async function schedule(r: Running, id: string): Promise<any[]> {
  const items = [];
  for await (const item of r.client.subscriptions.fetchSchedule(id)) items.push(item);
  return items;
}

/** Existing subscriptions of the account, split by whether they change plan and when. */
function subscriptionsOf(shape: Shape, now: Date) {
  const existing = accountOf(shape).subscriptions.filter((s) => s.createdAt.getTime() <= now.getTime());
  const upgradeAt = (s: SubscriptionRecord) => s.phases[1]!.start.getTime();
  const upgrades = existing.filter((s) => s.phases.length === 2);
  return {
    single: existing.filter((s) => s.phases.length === 1),
    upgraded: upgrades.filter((s) => upgradeAt(s) <= now.getTime()),
    scheduled: upgrades.filter((s) => upgradeAt(s) > now.getTime()),
  };
}

describe('GET /subscriptions/{id}/schedule', () => {
  it('an upgraded subscription lists two plans, the second from the local midnight its costs switch to Growth prices', async () => {
    const r = await start(SHAPE);
    const { catalogue } = accountOf(SHAPE);
    const growth = new Set(catalogue.plans.find((p) => p.name === 'Growth')!.prices.map((p) => p.id));
    const starter = catalogue.plans.find((p) => p.name === 'Starter')!;
    const { upgraded } = subscriptionsOf(SHAPE, r.sim.clock.now());
    expect(upgraded.length).toBeGreaterThanOrEqual(2);
    for (const { id } of upgraded) {
      const subscription = await r.client.subscriptions.fetch(id);
      const items = await schedule(r, id);
      expect(items).toHaveLength(2);
      expect(items[0].plan).toEqual({ id: starter.id, external_plan_id: starter.externalId, name: 'Starter' });
      expect(items[1].plan).toEqual({ id: subscription.plan!.id, external_plan_id: subscription.plan!.external_plan_id, name: 'Growth' });
      expect(items[0].start_date).toBe(subscription.start_date);
      expect(items[0].end_date).toBe(items[1].start_date);
      expect(items[1].end_date).toBe(subscription.end_date);
      for (const item of items) expect(item.created_at).toBe(subscription.created_at);

      const windows = (await r.get(`/v1/subscriptions/${id}/costs?view_mode=periodic&timeframe_start=${subscription.start_date}`)).body.data;
      const switchDay = windows.findIndex((w: any) => w.per_price_costs.some((p: any) => growth.has(p.price_id)));
      expect(switchDay).toBeGreaterThan(0);
      expect(windows[switchDay].timeframe_start).toBe(items[1].start_date);
      expect(windows[switchDay - 1].timeframe_end).toBe(items[1].start_date);
    }
  });

  it('a scheduled plan change is listed before it happens, and is the plan once the clock gets there', async () => {
    const r = await start(SHAPE);
    const { scheduled } = subscriptionsOf(SHAPE, r.sim.clock.now());
    expect(scheduled.length).toBeGreaterThan(0);
    const { id } = scheduled[0]!;
    const items = await schedule(r, id);
    expect(items).toHaveLength(2);
    expect(Date.parse(items[1].start_date)).toBeGreaterThan(r.sim.clock.now().getTime());
    expect((await r.client.subscriptions.fetch(id)).plan!.id).toBe(items[0].plan.id);
    r.sim.clock.set(items[1].start_date);
    expect((await r.client.subscriptions.fetch(id)).plan!.id).toBe(items[1].plan.id);
    expect(await schedule(r, id)).toEqual(items);
  });

  it("a subscription that never changes plan has one item: its plan, from its start to its end", async () => {
    const r = await start(SHAPE);
    const { single } = subscriptionsOf(SHAPE, r.sim.clock.now());
    expect(single.length).toBeGreaterThan(10);
    for (const { id } of single) {
      const subscription = await r.client.subscriptions.fetch(id);
      expect(await schedule(r, id)).toEqual([
        {
          created_at: subscription.created_at,
          start_date: subscription.start_date,
          end_date: subscription.end_date,
          plan: { id: subscription.plan!.id, external_plan_id: subscription.plan!.external_plan_id, name: subscription.plan!.name },
        },
      ]);
    }
  });

  it("the ground truth's plan_id on each day is the plan the schedule has in force on that day", async () => {
    const r = await start(SHAPE);
    const truth = r.sim.truth.dailySubscriptionCosts();
    let checked = 0;
    for (const s of r.sim.truth.subscriptions()) {
      const items = await schedule(r, s.id);
      const rows = truth.filter((row) => row.subscription_id === s.id);
      const windows = (await r.get(`/v1/subscriptions/${s.id}/costs?view_mode=periodic&timeframe_start=${s.start_date}`)).body.data;
      expect(rows).toHaveLength(windows.length);
      windows.forEach((w: any, i: number) => {
        const day = Date.parse(w.timeframe_start);
        const inForce = items.filter((item) => Date.parse(item.start_date) <= day && (item.end_date === null || day < Date.parse(item.end_date)));
        expect(inForce).toHaveLength(1);
        expect(rows[i]!.plan_id).toBe(inForce[0].plan.id);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('truth.schedules() is every existing subscription\'s schedule as the endpoint serves it, scheduled changes included', async () => {
    const r = await start(SHAPE);
    const served = [];
    for (const s of r.sim.truth.subscriptions()) {
      for (const item of await schedule(r, s.id)) {
        served.push({ subscription_id: s.id, plan_id: item.plan.id, start_date: item.start_date, end_date: item.end_date });
      }
    }
    expect(r.sim.truth.schedules()).toEqual(served);
    expect(served.some((item) => Date.parse(item.start_date) > r.sim.clock.now().getTime())).toBe(true);
  });

  it('pages through the items exactly once, earliest first, for every limit from 1 to n + 1, and filters by start_date', async () => {
    const r = await start(SHAPE);
    const record = subscriptionsOf(SHAPE, r.sim.clock.now()).upgraded[0]!;
    const starts = record.phases.map((p) => p.start.toISOString().replace('.000Z', 'Z'));
    const path = `/v1/subscriptions/${record.id}/schedule`;
    for (let limit = 1; limit <= starts.length + 1; limit++) {
      expect((await allPages(r, path, limit)).map((item) => item.start_date)).toEqual(starts);
    }
    const [first, second] = starts as [string, string];
    const filtered = async (query: string) => (await allPages(r, `${path}?${query}`, 100)).map((item) => item.start_date);
    expect(await filtered(`start_date[gte]=${second}`)).toEqual([second]);
    expect(await filtered(`start_date[gt]=${first}`)).toEqual([second]);
    expect(await filtered(`start_date[lt]=${second}`)).toEqual([first]);
    expect(await filtered(`start_date[lte]=${first}`)).toEqual([first]);
    expect(await filtered(`start_date[gt]=${second}`)).toEqual([]);
  });

  it('is a 404 for an unknown subscription and for one not created yet', async () => {
    const r = await start(SHAPE);
    const notFound = { type: 'https://docs.withorb.com/reference/error-responses#404-resource-not-found', status: 404 };
    expect((await r.get('/v1/subscriptions/sub_missing/schedule')).body).toMatchObject(notFound);
    const newest = accountOf(SHAPE).subscriptions[0]!;
    r.sim.clock.set(new Date(newest.createdAt.getTime() - 1));
    expect((await r.get(`/v1/subscriptions/${newest.id}/schedule`)).body).toMatchObject(notFound);
    r.sim.clock.set(newest.createdAt);
    expect((await r.get(`/v1/subscriptions/${newest.id}/schedule`)).status).toBe(200);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'start_date[gte]=tomorrow'])('rejects %s with a 400 Orb body', async (query) => {
    const r = await start(SHAPE);
    const id = accountOf(SHAPE).subscriptions.at(-1)!.id;
    const response = await r.get(`/v1/subscriptions/${id}/schedule?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject(VALIDATION_ERROR);
  });
});
