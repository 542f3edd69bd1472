/**
 * GET /customers, /customers/{id}, /customers/{id}/costs and the customer filters of GET /subscriptions,
 * checked against the account records and against each subscription's own costs endpoint.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerRecord } from '../../src/simulator/account.js';
import { add, canonicalDecimal, decimalFromNumber, formatDecimal, parseDecimal, ZERO, type Decimal } from '../../src/util/decimal.js';
import { start, type Running } from './helpers.js';
import { accountOf, allPages, newestFirst, VALIDATION_ERROR, type Shape } from './listing.js';

const SHAPE: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 };
const TIMEFRAME = { timeframe_start: '2025-01-01T00:00:00Z', timeframe_end: '2025-03-15T10:00:00Z' };

async function costs(r: Running, path: string, query: Record<string, string> = {}): Promise<any[]> {
  const response = await r.get(`/v1${path}/costs?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return response.body.data;
}

interface ExpectedWindow {
  timeframe_start: string;
  timeframe_end: string;
  subtotal: Decimal;
  total: Decimal;
  prices: Map<string, { quantity: Decimal; subtotal: Decimal; total: Decimal; subscriptions: number }>;
  subscriptions: number;
}

/**
 * The windows of several subscriptions added up per day (keyed by timeframe_end, which every view
 * shares), each day's timeframe_start being the earliest of theirs.
 */
function sumPerDay(windowsPerSubscription: any[][]): ExpectedWindow[] {
  const days = new Map<string, ExpectedWindow>();
  for (const windows of windowsPerSubscription) {
    for (const w of windows) {
      const day = days.get(w.timeframe_end) ?? {
        timeframe_start: w.timeframe_start,
        timeframe_end: w.timeframe_end,
        subtotal: ZERO,
        total: ZERO,
        prices: new Map(),
        subscriptions: 0,
      };
      if (Date.parse(w.timeframe_start) < Date.parse(day.timeframe_start)) day.timeframe_start = w.timeframe_start;
      day.subtotal = add(day.subtotal, parseDecimal(w.subtotal));
      day.total = add(day.total, parseDecimal(w.total));
      day.subscriptions++;
      for (const p of w.per_price_costs) {
        const seen = day.prices.get(p.price_id) ?? { quantity: ZERO, subtotal: ZERO, total: ZERO, subscriptions: 0 };
        day.prices.set(p.price_id, {
          quantity: add(seen.quantity, decimalFromNumber(p.quantity)),
          subtotal: add(seen.subtotal, parseDecimal(p.subtotal)),
          total: add(seen.total, parseDecimal(p.total)),
          subscriptions: seen.subscriptions + 1,
        });
      }
      days.set(w.timeframe_end, day);
    }
  }
  return [...days.values()].sort((a, b) => Date.parse(a.timeframe_end) - Date.parse(b.timeframe_end));
}

/** The customer's windows equal the expected sums exactly, day by day and price by price. */
function expectSums(actual: any[], expected: ExpectedWindow[]): void {
  expect(actual.map((w) => [w.timeframe_start, w.timeframe_end])).toEqual(expected.map((w) => [w.timeframe_start, w.timeframe_end]));
  actual.forEach((w, i) => {
    const want = expected[i]!;
    expect(canonicalDecimal(w.subtotal)).toBe(formatDecimal(want.subtotal));
    expect(canonicalDecimal(w.total)).toBe(formatDecimal(want.total));
    // A price that two subscriptions bill is listed once.
    expect(w.per_price_costs.map((p: any) => p.price_id).sort()).toEqual([...want.prices.keys()].sort());
    for (const p of w.per_price_costs) {
      const sums = want.prices.get(p.price_id)!;
      expect(formatDecimal(decimalFromNumber(p.quantity))).toBe(formatDecimal(sums.quantity));
      expect(canonicalDecimal(p.subtotal)).toBe(formatDecimal(sums.subtotal));
      expect(canonicalDecimal(p.total)).toBe(formatDecimal(sums.total));
      expect(p.price.id).toBe(p.price_id);
    }
  });
}

describe('GET /customers', () => {
  it('lists each customer exactly once, newest first, for every limit from 1 to n + 1', async () => {
    const r = await start(SHAPE);
    const expected = [...accountOf(SHAPE).customersById.values()].sort(newestFirst).map((c) => c.id);
    for (let limit = 1; limit <= expected.length + 1; limit++) {
      expect((await allPages(r, '/v1/customers', limit)).map((c) => c.id)).toEqual(expected);
    }
    const viaSdk: string[] = [];
    for await (const customer of r.client.customers.list({ limit: 5 })) viaSdk.push(customer.id);
    expect(viaSdk).toEqual(expected);
  });

  it('truth.customers() is what GET /customers lists over all its pages, with a customer that has no subscription', async () => {
    const r = await start(SHAPE);
    const listed = async () =>
      (await allPages(r, '/v1/customers', 5)).map((c) => ({
        id: c.id,
        external_customer_id: c.external_customer_id,
        name: c.name,
        email: c.email,
        timezone: c.timezone,
        currency: c.currency,
        created_at: c.created_at,
      }));
    const all = await listed();
    expect(r.sim.truth.customers()).toEqual(all);
    expect(all).toHaveLength(SHAPE.customers);
    const subscribed = new Set(r.sim.truth.subscriptions().map((s) => s.customer_id));
    expect(all.filter((c) => !subscribed.has(c.id))).toHaveLength(1);

    // With the clock set back, customers created later do not exist yet, for either.
    const seventhOldest = all.at(-7)!;
    r.sim.clock.set(new Date(Date.parse(seventhOldest.created_at) - 1));
    expect(await listed()).toEqual(all.slice(-6));
    expect(r.sim.truth.customers()).toEqual(all.slice(-6));
    expect((await r.get(`/v1/customers/${seventhOldest.id}`)).status).toBe(404);
  });

  it("GET /customers/{id} returns the customer's record; an unknown id is a 404", async () => {
    const r = await start(SHAPE);
    for (const record of accountOf(SHAPE).customersById.values()) {
      const customer = await r.client.customers.fetch(record.id);
      expect(customer).toMatchObject({
        id: record.id,
        external_customer_id: record.externalId,
        name: record.name,
        email: record.email,
        timezone: record.timezone,
        currency: record.currency,
      });
      expect(Date.parse(customer.created_at)).toBe(record.createdAt.getTime());
    }
    const missing = await r.get('/v1/customers/cus_missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'https://docs.withorb.com/reference/error-responses#404-resource-not-found', status: 404 });
  });

  it('filters by created_at bounds', async () => {
    const r = await start(SHAPE);
    const records = [...accountOf(SHAPE).customersById.values()];
    const pivot = records[5]!.createdAt;
    const listed = async (bound: string) => new Set((await allPages(r, `/v1/customers?${bound}=${pivot.toISOString()}`, 100)).map((c) => c.id));
    const expected = (keep: (c: CustomerRecord) => boolean) => new Set(records.filter(keep).map((c) => c.id));
    const t = pivot.getTime();
    expect(await listed('created_at[gte]')).toEqual(expected((c) => c.createdAt.getTime() >= t));
    expect(await listed('created_at[gt]')).toEqual(expected((c) => c.createdAt.getTime() > t));
    expect(await listed('created_at[lt]')).toEqual(expected((c) => c.createdAt.getTime() < t));
    expect(await listed('created_at[lte]')).toEqual(expected((c) => c.createdAt.getTime() <= t));
    expect((await listed('created_at[lt]')).size).toBe(5);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'created_at[gt]=soon'])('rejects %s with a 400 Orb body', async (query) => {
    const r = await start(SHAPE);
    const response = await r.get(`/v1/customers?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject(VALIDATION_ERROR);
  });
});

describe('GET /customers/{id}/costs', () => {
  it("per day, periodic costs are the sum of the customer's subscriptions' periodic costs", async () => {
    const r = await start(SHAPE);
    const subscriptions = r.sim.truth.subscriptions();
    let overlappingDays = 0;
    let sharedPrices = 0;
    for (const customer of accountOf(SHAPE).customersById.values()) {
      const query = { ...TIMEFRAME, view_mode: 'periodic' };
      const own = subscriptions.filter((s) => s.customer_id === customer.id);
      const expected = sumPerDay(await Promise.all(own.map((s) => costs(r, `/subscriptions/${s.id}`, query))));
      const actual = await costs(r, `/customers/${customer.id}`, query);
      expectSums(actual, expected);
      for (const w of actual) expect(Date.parse(w.timeframe_end) - Date.parse(w.timeframe_start)).toBeLessThanOrEqual(25 * 3_600_000);
      overlappingDays += expected.filter((w) => w.subscriptions > 1).length;
      sharedPrices += expected.filter((w) => [...w.prices.values()].some((p) => p.subscriptions > 1)).length;
    }
    // The account has customers with overlapping subscriptions, some on the same plan (shared prices).
    expect(overlappingDays).toBeGreaterThan(0);
    expect(sharedPrices).toBeGreaterThan(0);
  });

  it("cumulative windows add up each subscription's cumulative value and start at the earliest of their period starts", async () => {
    const r = await start(SHAPE);
    const subscriptions = r.sim.truth.subscriptions();
    let differentPeriodStarts = 0;
    for (const customer of accountOf(SHAPE).customersById.values()) {
      const own = subscriptions.filter((s) => s.customer_id === customer.id);
      const perSubscription = await Promise.all(own.map((s) => costs(r, `/subscriptions/${s.id}`, TIMEFRAME)));
      const expected = sumPerDay(perSubscription);
      expectSums(await costs(r, `/customers/${customer.id}`, TIMEFRAME), expected);
      const startsPerDay = new Map<string, Set<string>>();
      for (const w of perSubscription.flat()) startsPerDay.set(w.timeframe_end, (startsPerDay.get(w.timeframe_end) ?? new Set()).add(w.timeframe_start));
      differentPeriodStarts += [...startsPerDay.values()].filter((starts) => starts.size > 1).length;
    }
    expect(differentPeriodStarts).toBeGreaterThan(0);
  });

  it('without a timeframe, covers the active subscriptions from the earliest start of their current billing periods', async () => {
    const r = await start(SHAPE);
    let checked = 0;
    for (const customer of accountOf(SHAPE).customersById.values()) {
      const active = r.sim.truth.subscriptions().filter((s) => s.customer_id === customer.id && s.status === 'active');
      if (active.length === 0) continue;
      const periodStarts = await Promise.all(active.map(async (s) => (await r.client.subscriptions.fetch(s.id)).current_billing_period_start_date!));
      const from = periodStarts.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
      for (const view_mode of ['cumulative', 'periodic']) {
        const expected = sumPerDay(await Promise.all(active.map((s) => costs(r, `/subscriptions/${s.id}`, { timeframe_start: from, view_mode }))));
        const actual = await costs(r, `/customers/${customer.id}`, view_mode === 'periodic' ? { view_mode } : {});
        expectSums(actual, expected);
        // The first day is that of the earliest period start (whose cumulative window may reach back further).
        expect(Date.parse(actual[0].timeframe_end) - Date.parse(from)).toBeLessThanOrEqual(25 * 3_600_000);
        if (view_mode === 'periodic') expect(actual[0].timeframe_start).toBe(from);
        // Up to and including today's partial day.
        expect(Date.parse(actual.at(-1).timeframe_end)).toBeGreaterThan(r.sim.clock.now().getTime());
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('without a timeframe and no active subscription, reports the last one that ended; with none at all, nothing', async () => {
    // One subscription per customer for the first ten customers; the last two have none.
    const shape = { seed: 1, customers: 12, subscriptions: 10, days: 120 };
    const r = await start(shape);
    const subscriptions = r.sim.truth.subscriptions();
    const ended = subscriptions.find((s) => s.status === 'ended')!;
    const upcoming = subscriptions.find((s) => s.status === 'upcoming')!;
    const without = [...accountOf(shape).customersById.values()].filter((c) => !subscriptions.some((s) => s.customer_id === c.id));
    expect(subscriptions.filter((s) => s.customer_id === ended.customer_id)).toHaveLength(1);
    expect(without.length).toBeGreaterThan(0);

    for (const view_mode of ['cumulative', 'periodic']) {
      const own = await costs(r, `/subscriptions/${ended.id}`, { view_mode });
      expect(own.length).toBeGreaterThan(0);
      expect(own.at(-1).timeframe_end).toBe(ended.end_date);
      expect(await costs(r, `/customers/${ended.customer_id}`, { view_mode })).toEqual(own);
    }
    expect(await costs(r, `/customers/${upcoming.customer_id}`)).toEqual([]);
    for (const customer of without) {
      expect(await costs(r, `/customers/${customer.id}`)).toEqual([]);
      expect(await costs(r, `/customers/${customer.id}`, TIMEFRAME)).toEqual([]);
    }
  });

  it('is empty in another currency, rejects bad parameters, and 404s for an unknown customer', async () => {
    const r = await start(SHAPE);
    const customer = [...accountOf(SHAPE).customersById.values()].find((c) => c.currency === 'USD')!;
    expect(await costs(r, `/customers/${customer.id}`, { ...TIMEFRAME, currency: 'EUR' })).toEqual([]);
    expect((await costs(r, `/customers/${customer.id}`, { ...TIMEFRAME, currency: 'USD' })).length).toBeGreaterThan(0);
    for (const query of ['view_mode=daily', 'timeframe_start=last-week']) {
      const response = await r.get(`/v1/customers/${customer.id}/costs?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject(VALIDATION_ERROR);
    }
    const reversed = await r.get(`/v1/customers/${customer.id}/costs?timeframe_start=2025-03-02T00:00:00Z&timeframe_end=2025-03-01T00:00:00Z`);
    expect(reversed.body).toMatchObject({ status: 400, type: 'https://docs.withorb.com/reference/error-responses#400-constraint-violation' });
    const missing = await r.get('/v1/customers/cus_missing/costs');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'https://docs.withorb.com/reference/error-responses#404-resource-not-found', status: 404 });
  });
});

describe('GET /subscriptions filtered by customer', () => {
  it("customer_id[] and external_customer_id[] list exactly that customer's subscriptions", async () => {
    const r = await start(SHAPE);
    const truth = r.sim.truth.subscriptions();
    const customers = [...accountOf(SHAPE).customersById.values()];
    // All but the last customer subscribe; for that one both lists are empty.
    expect(customers.filter((c) => truth.some((s) => s.customer_id === c.id))).toHaveLength(customers.length - 1);
    for (const customer of customers) {
      const expected = new Set(truth.filter((s) => s.customer_id === customer.id).map((s) => s.id));
      const byId: string[] = [];
      for await (const s of r.client.subscriptions.list({ customer_id: [customer.id], limit: 2 })) byId.push(s.id);
      const byExternalId: string[] = [];
      for await (const s of r.client.subscriptions.list({ external_customer_id: [customer.externalId], limit: 2 })) byExternalId.push(s.id);
      expect(new Set(byId)).toEqual(expected);
      expect(byId).toHaveLength(expected.size);
      expect(byExternalId).toEqual(byId);
    }
  });

  it('accepts the forms without brackets, ORs several values of one parameter and ANDs the two parameters', async () => {
    const r = await start(SHAPE);
    const truth = r.sim.truth.subscriptions();
    const [a, b] = [...accountOf(SHAPE).customersById.values()];
    const idsOf = (...customers: CustomerRecord[]) => new Set(truth.filter((s) => customers.some((c) => c.id === s.customer_id)).map((s) => s.id));
    const listed = async (query: string) => new Set((await allPages(r, `/v1/subscriptions?${query}`, 100)).map((s) => s.id));
    expect(await listed(`customer_id=${a!.id}`)).toEqual(idsOf(a!));
    expect(await listed(`external_customer_id=${a!.externalId}`)).toEqual(idsOf(a!));
    expect(await listed(`customer_id[]=${a!.id}&customer_id[]=${b!.id}`)).toEqual(idsOf(a!, b!));
    expect(await listed(`customer_id=${a!.id}&customer_id[]=${b!.id}`)).toEqual(idsOf(a!, b!));
    expect(await listed(`external_customer_id[]=${a!.externalId}&external_customer_id=${b!.externalId}`)).toEqual(idsOf(a!, b!));
    expect(await listed(`customer_id=${a!.id}&external_customer_id=${a!.externalId}`)).toEqual(idsOf(a!));
    expect(await listed(`customer_id=${a!.id}&external_customer_id=${b!.externalId}`)).toEqual(new Set());
    expect(await listed('customer_id=cus_missing')).toEqual(new Set());
  });

  it('pages through a filtered list exactly once, newest first, for every limit from 1 to n + 1', async () => {
    const shape = { seed: 1, customers: 4, subscriptions: 30, days: 120 };
    const r = await start(shape);
    const [a, , c] = [...accountOf(shape).customersById.values()];
    const expected = accountOf(shape)
      .subscriptions.filter((s) => s.customer.id === a!.id || s.customer.id === c!.id)
      .filter((s) => s.createdAt.getTime() <= r.sim.clock.now().getTime())
      .sort(newestFirst)
      .map((s) => s.id);
    expect(expected.length).toBeGreaterThan(15);
    for (let limit = 1; limit <= expected.length + 1; limit++) {
      const page = await allPages(r, `/v1/subscriptions?customer_id[]=${a!.id}&external_customer_id[]=${a!.externalId}&external_customer_id[]=${c!.externalId}&customer_id[]=${c!.id}`, limit);
      expect(page.map((s) => s.id)).toEqual(expected);
    }
  });
});
