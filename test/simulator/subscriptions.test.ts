/** GET /subscriptions and /subscriptions/{id}: pagination, filters, validation, status from the clock. */
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';

describe('GET /subscriptions', () => {
  it.each([1, 7, 100])('auto-pagination with limit %i returns each of 150 subscriptions exactly once, newest first', async (limit) => {
    const { sim, client } = await start({ subscriptions: 150 });
    const ids: string[] = [];
    const createdAt: number[] = [];
    for await (const subscription of client.subscriptions.list({ limit })) {
      ids.push(subscription.id);
      createdAt.push(Date.parse(subscription.created_at));
    }
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    expect(new Set(ids)).toEqual(new Set(sim.truth.subscriptions().map((s) => s.id)));
    for (let i = 1; i < createdAt.length; i++) expect(createdAt[i]).toBeLessThanOrEqual(createdAt[i - 1]!);
    expect(sim.requests.count('/subscriptions')).toBe(Math.ceil(150 / limit));
  });

  it('a page boundary holds while the clock moves and new subscriptions appear', async () => {
    const { sim, get } = await start({ subscriptions: 150 });
    sim.clock.advance({ days: -30 });
    const before = new Set(sim.truth.subscriptions().map((s) => s.id));
    expect(before.size).toBeLessThan(150);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/subscriptions?limit=9${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((s: any) => s.id));
      cursor = page.body.pagination_metadata.next_cursor;
      expect(page.body.pagination_metadata.has_more).toBe(cursor !== null);
      sim.clock.advance({ days: 3 }); // newer subscriptions come into existence between pages
    } while (cursor);
    expect(seen.length).toBe(before.size);
    expect(new Set(seen)).toEqual(before);
    expect(sim.truth.subscriptions().length).toBeGreaterThan(before.size);
  });

  it('only subscriptions created by the clock exist', async () => {
    const { sim, get } = await start();
    const all = sim.truth.subscriptions();
    const newest = all.reduce((a, b) => (a.created_at > b.created_at ? a : b));
    sim.clock.set(new Date(Date.parse(newest.created_at) - 1));
    expect((await get(`/subscriptions/${newest.id}`)).status).toBe(404);
    const listed = (await get('/subscriptions?limit=100')).body.data.map((s: any) => s.id);
    expect(listed).not.toContain(newest.id);
    sim.clock.set(newest.created_at);
    expect((await get(`/subscriptions/${newest.id}`)).body.id).toBe(newest.id);
  });

  it('filters by created_at bounds', async () => {
    const { sim, client } = await start({ subscriptions: 60 });
    const all = sim.truth.subscriptions();
    const pivot = all[20]!.created_at;
    const collect = async (query: Record<string, string>) => {
      const ids: string[] = [];
      for await (const s of client.subscriptions.list({ limit: 100, ...query })) ids.push(s.id);
      return new Set(ids);
    };
    const expected = (keep: (t: number) => boolean) => new Set(all.filter((s) => keep(Date.parse(s.created_at))).map((s) => s.id));
    const p = Date.parse(pivot);
    expect(await collect({ 'created_at[gte]': pivot })).toEqual(expected((t) => t >= p));
    expect(await collect({ 'created_at[gt]': pivot })).toEqual(expected((t) => t > p));
    expect(await collect({ 'created_at[lt]': pivot })).toEqual(expected((t) => t < p));
    expect(await collect({ 'created_at[lte]': pivot })).toEqual(expected((t) => t <= p));
    expect((await collect({ 'created_at[gt]': pivot })).size).toBeGreaterThan(0);
    expect((await collect({ 'created_at[lt]': pivot })).size).toBeGreaterThan(0);
  });

  it('filters by status, given once or as status[]', async () => {
    const { sim, client } = await start({ subscriptions: 40 });
    const all = sim.truth.subscriptions();
    const collect = async (query: Record<string, unknown>) => {
      const ids: string[] = [];
      for await (const s of client.subscriptions.list({ limit: 100, ...query })) ids.push(s.id);
      return new Set(ids);
    };
    const ids = (status: string) => new Set(all.filter((s) => s.status === status).map((s) => s.id));
    expect((await collect({ status: 'ended' })).size).toBeGreaterThan(0);
    expect(await collect({ status: 'ended' })).toEqual(ids('ended'));
    expect(await collect({ status: 'active' })).toEqual(ids('active'));
    expect((await collect({ status: 'upcoming' })).size).toBeGreaterThan(0);
    expect(await collect({ status: 'upcoming' })).toEqual(ids('upcoming'));
    // The SDK appends the brackets itself: this sends status[]=active&status[]=ended.
    expect(await collect({ status: ['active', 'ended'] })).toEqual(new Set([...ids('active'), ...ids('ended')]));
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=not-a-cursor', 'created_at[gte]=yesterday', 'status=gone'])(
    'rejects %s with a 400 Orb body',
    async (query) => {
      const { get } = await start();
      const response = await get(`/v1/subscriptions?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        type: 'https://docs.withorb.com/reference/error-responses#400-request-validation-errors',
        status: 400,
      });
      expect(response.body.detail).toEqual(expect.any(String));
    },
  );

  it('defaults to 20 per page and serves the same data at / and /v1', async () => {
    const { get } = await start({ subscriptions: 25 });
    const root = await get('/subscriptions');
    expect(root.body.data).toHaveLength(20);
    expect(root.body.pagination_metadata.has_more).toBe(true);
    expect((await get('/v1/subscriptions')).body).toEqual(root.body);
  });
});

describe('subscription objects', () => {
  it('embed the customer and plan and derive status and the current period from the clock', async () => {
    const { sim, client } = await start();
    const truth = sim.truth.subscriptions();
    for (const expected of truth) {
      const s = await client.subscriptions.fetch(expected.id);
      expect(s.customer.id).toBe(expected.customer_id);
      expect(s.customer.timezone).toBe(expected.timezone);
      expect(s.customer.external_customer_id).toMatch(/^ext-cus-\d{4}$/);
      expect(s.plan?.id).toBe(expected.plan_id);
      expect(s.plan?.currency).toBe(expected.currency);
      expect(s.customer.currency).toBe(expected.currency);
      // The plan in force now owns the price intervals that cover now (or the first ones before the start).
      const at = Math.max(sim.clock.now().getTime(), Date.parse(s.start_date));
      const current = s.price_intervals.filter((i) => Date.parse(i.start_date) <= at && (i.end_date === null || at < Date.parse(i.end_date)));
      if (s.status !== 'ended') expect(current.map((i) => i.price.id)).toEqual(s.plan?.prices.map((p) => p.id));
      expect(s.start_date).toBe(expected.start_date);
      const now = sim.clock.now().getTime();
      const ended = s.end_date !== null && Date.parse(s.end_date) <= now;
      expect(s.status).toBe(ended ? 'ended' : Date.parse(s.start_date) > now ? 'upcoming' : 'active');
      if (s.status === 'active') {
        const periodStart = Date.parse(s.current_billing_period_start_date!);
        expect(periodStart).toBeLessThanOrEqual(sim.clock.now().getTime());
        expect(Date.parse(s.current_billing_period_end_date!)).toBeGreaterThan(sim.clock.now().getTime());
        // The period starts at local midnight on the billing cycle day (clamped to the month's length).
        const local = new Intl.DateTimeFormat('en-CA', { timeZone: s.customer.timezone, day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })
          .formatToParts(new Date(periodStart));
        const part = (type: string) => Number(local.find((p) => p.type === type)!.value);
        expect([part('hour'), part('minute')]).toEqual([0, 0]);
        expect(part('day')).toBeLessThanOrEqual(s.billing_cycle_day);
      } else {
        expect(s.current_billing_period_start_date).toBeNull();
      }
    }
    // The account has the variety tests rely on, whatever the seed's random dates are.
    expect(truth.filter((s) => s.status === 'ended').length).toBeGreaterThanOrEqual(3);
    expect(new Set(truth.map((s) => s.timezone)).size).toBe(7);
  });

  it('become ended once the clock passes end_date', async () => {
    const { sim, get } = await start();
    const ended = sim.truth.subscriptions().find((s) => s.status === 'ended')!;
    sim.clock.set(new Date(Date.parse(ended.end_date!) - 1));
    expect((await get(`/subscriptions/${ended.id}`)).body.status).toBe('active');
    sim.clock.set(ended.end_date!);
    expect((await get(`/subscriptions/${ended.id}`)).body.status).toBe('ended');
  });
});
