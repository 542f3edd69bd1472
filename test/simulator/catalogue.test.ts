/** GET /plans and GET /prices against the catalogue records: paging, filters, and what each lists. */
import { describe, expect, it } from 'vitest';
import type { PriceDef } from '../../src/simulator/plans.js';
import { canonicalDecimal } from '../../src/util/decimal.js';
import { start, type Running } from './helpers.js';
import { accountOf, allPages, newestFirst, VALIDATION_ERROR, type Shape } from './listing.js';

const SHAPE: Shape = { seed: 7, customers: 6, subscriptions: 6, days: 30 };

/** What a price's JSON says about its model, in the record's terms. */
function modelOf(price: any): unknown {
  switch (price.model_type) {
    case 'unit':
      return price.price_type === 'fixed_price'
        ? { kind: 'fixed', amount: price.unit_config.unit_amount }
        : { kind: 'unit', unitAmount: price.unit_config.unit_amount };
    case 'package':
      return { kind: 'package', packageAmount: price.package_config.package_amount, packageSize: price.package_config.package_size };
    case 'tiered':
      return {
        kind: 'tiered',
        tiers: price.tiered_config.tiers.map((t: any) => ({ firstUnit: t.first_unit, lastUnit: t.last_unit, unitAmount: t.unit_amount })),
      };
    default:
      throw new Error(`unexpected model_type ${price.model_type}`);
  }
}

function expectPrice(json: any, record: PriceDef): void {
  expect(json).toMatchObject({ id: record.id, name: record.name, currency: record.currency, minimum_amount: record.minimum });
  expect(json.billable_metric).toEqual(record.metric ? { id: record.metric.id } : null);
  expect(modelOf(json)).toEqual(record.model);
}

describe('GET /plans', () => {
  it('lists each plan exactly once, newest first, for every limit from 1 to n + 1, as the catalogue defines it', async () => {
    const r = await start(SHAPE);
    const records = [...accountOf(SHAPE).catalogue.plans].sort(newestFirst);
    for (let limit = 1; limit <= records.length + 1; limit++) {
      expect((await allPages(r, '/v1/plans', limit)).map((p) => p.id)).toEqual(records.map((p) => p.id));
    }
    const plans = [];
    for await (const plan of r.client.plans.list({ limit: 2 })) plans.push(plan);
    expect(plans.map((p) => p.id)).toEqual(records.map((p) => p.id));
    for (const [i, plan] of plans.entries()) {
      const record = records[i]!;
      expect(plan).toMatchObject({ name: record.name, external_plan_id: record.externalId, currency: record.currency, status: 'active' });
      expect(plan.minimum_amount).toBe(record.minimum);
      expect(plan.prices.map((p) => p.id)).toEqual(record.prices.map((p) => p.id));
      plan.prices.forEach((price, p) => expectPrice(price, record.prices[p]!));
      const discount = plan.adjustments.find((a) => a.adjustment_type === 'percentage_discount');
      expect(discount?.applies_to_price_ids ?? null).toEqual(record.discount ? record.discount.priceIds : null);
    }
  });

  it('filters by status (every simulated plan is active) and by created_at', async () => {
    const r = await start(SHAPE);
    const records = accountOf(SHAPE).catalogue.plans;
    const all = new Set(records.map((p) => p.id));
    const listed = async (query: string) => new Set((await allPages(r, `/v1/plans?${query}`, 100)).map((p) => p.id));
    expect(await listed('status=active')).toEqual(all);
    expect(await listed('status=archived')).toEqual(new Set());
    expect(await listed('status=draft')).toEqual(new Set());
    // The catalogue's plans were all created at one instant.
    const createdAt = records[0]!.createdAt;
    expect(records.every((p) => p.createdAt.getTime() === createdAt.getTime())).toBe(true);
    const at = createdAt.toISOString();
    expect(await listed(`created_at[gte]=${at}`)).toEqual(all);
    expect(await listed(`created_at[lte]=${at}`)).toEqual(all);
    expect(await listed(`created_at[gt]=${at}`)).toEqual(new Set());
    expect(await listed(`created_at[lt]=${at}`)).toEqual(new Set());
    expect(await listed(`created_at[gt]=${new Date(createdAt.getTime() - 1).toISOString()}&status=active`)).toEqual(all);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'status=retired', 'created_at[lt]=later'])(
    'rejects %s with a 400 Orb body',
    async (query) => {
      const r = await start(SHAPE);
      const response = await r.get(`/v1/plans?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject(VALIDATION_ERROR);
    },
  );
});

describe('GET /prices', () => {
  it('lists only the add-on prices, each exactly once, for every limit from 1 to n + 1', async () => {
    const r = await start(SHAPE);
    const { catalogue } = accountOf(SHAPE);
    const records = [...catalogue.addOnPrices].sort(newestFirst);
    for (let limit = 1; limit <= records.length + 1; limit++) {
      expect((await allPages(r, '/v1/prices', limit)).map((p) => p.id)).toEqual(records.map((p) => p.id));
    }
    const prices = [];
    for await (const price of r.client.prices.list()) prices.push(price);
    prices.forEach((price, i) => expectPrice(price, records[i]!));
    // Plan prices are never listed here, as in Orb.
    const planPriceIds = new Set(catalogue.plans.flatMap((plan) => plan.prices.map((p) => p.id)));
    expect(prices.filter((p) => planPriceIds.has(p.id))).toEqual([]);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor'])('rejects %s with a 400 Orb body', async (query) => {
    const r = await start(SHAPE);
    const response = await r.get(`/v1/prices?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject(VALIDATION_ERROR);
  });
});

describe('catalogue truth', () => {
  const DEFAULT: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 };

  /** Every price object served, by where it was served: plans, the add-on list, price intervals, cost rows. */
  async function servedPrices(r: Running) {
    const plans = await allPages(r, '/v1/plans', 100);
    const subscriptions = await allPages(r, '/v1/subscriptions', 100);
    const costRows: any[] = [];
    for (const s of r.sim.truth.subscriptions()) {
      const windows = (await r.get(`/v1/subscriptions/${s.id}/costs?view_mode=periodic&timeframe_start=${s.start_date}`)).body.data;
      for (const w of windows) costRows.push(...w.per_price_costs.map((p: any) => ({ ...p, subscription: s, window: w })));
    }
    return {
      plans,
      inPlans: plans.flatMap((plan: any) => plan.prices.map((price: any) => ({ price, planId: plan.id }))),
      addOns: await allPages(r, '/v1/prices', 100),
      inIntervals: subscriptions.flatMap((s: any) => s.price_intervals.map((i: any) => i.price)),
      costRows,
    };
  }

  it('plans() is every plan GET /plans serves, in its order', async () => {
    const r = await start(DEFAULT);
    const { plans } = await servedPrices(r);
    expect(r.sim.truth.plans()).toEqual(
      plans.map((p: any) => ({ id: p.id, external_plan_id: p.external_plan_id, name: p.name, currency: p.currency, status: p.status, created_at: p.created_at })),
    );
  });

  it('prices() is every price served anywhere, described as it is served, with the plan that lists it', async () => {
    const r = await start(DEFAULT);
    const served = await servedPrices(r);
    const truth = r.sim.truth.prices();
    const all = [...served.inPlans.map((p: any) => p.price), ...served.addOns, ...served.inIntervals, ...served.costRows.map((p: any) => p.price)];
    expect(truth.map((p) => p.id)).toEqual([...new Set(truth.map((p) => p.id))]);
    expect(new Set(truth.map((p) => p.id))).toEqual(new Set(all.map((p) => p.id)));
    const planOf = new Map(served.inPlans.map((p: any) => [p.price.id, p.planId]));
    for (const row of truth) {
      const json = all.find((p) => p.id === row.id);
      expect(row).toEqual({
        id: json.id,
        name: json.name,
        model_type: json.model_type,
        currency: json.currency,
        billable_metric_id: json.billable_metric?.id ?? null,
        plan_id: planOf.get(row.id) ?? null,
      });
    }
    expect(truth.filter((p) => p.plan_id === null).length).toBeGreaterThan(served.addOns.length);
  });

  it('a one-off charge is seen only in cost rows: in full on the first day of the first billing period, zero on its other days', async () => {
    const r = await start(DEFAULT);
    const served = await servedPrices(r);
    const elsewhere = new Set([...served.inPlans.map((p: any) => p.price.id), ...served.addOns.map((p: any) => p.id), ...served.inIntervals.map((p: any) => p.id)]);
    const charges = served.costRows.filter((p) => !elsewhere.has(p.price_id));
    const charged = [...new Set(charges.map((p) => p.subscription))];
    expect(charged.length).toBeGreaterThanOrEqual(3);
    expect(new Set(charges.map((p) => p.price.currency))).toEqual(new Set(['USD', 'EUR']));
    const truthRows = r.sim.truth.dailyCosts();
    for (const s of charged) {
      const rows = charges.filter((p) => p.subscription === s);
      const subscription = await r.client.subscriptions.fetch(s.id);
      // The first billing period ends where the subscription's first cumulative window stops starting at its start.
      const cumulative = (await r.get(`/v1/subscriptions/${s.id}/costs?timeframe_start=${s.start_date}`)).body.data;
      const firstPeriod = cumulative.filter((w: any) => w.timeframe_start === s.start_date);
      expect(rows.map((p) => p.window.timeframe_end)).toEqual(firstPeriod.map((w: any) => w.timeframe_end));
      expect(rows[0]!.window.timeframe_start).toBe(subscription.start_date);
      const amount = canonicalDecimal(rows[0]!.price.unit_config.unit_amount);
      expect(rows[0]).toMatchObject({ quantity: 1, subtotal: amount, total: amount });
      for (const later of rows.slice(1)) expect(later).toMatchObject({ quantity: 0, subtotal: '0', total: '0' });
      expect(rows[0]!.price).toMatchObject({ cadence: 'one_time', price_type: 'fixed_price', billable_metric: null });
      // The ground truth bills it on the same days, with the same amounts.
      const truth = truthRows.filter((t) => t.subscription_id === s.id && t.price_id === rows[0]!.price_id);
      expect(truth.map((t) => [t.quantity, t.subtotal, t.total])).toEqual(rows.map((p) => [String(p.quantity), canonicalDecimal(p.subtotal), canonicalDecimal(p.total)]));
    }
  });

  it('unknownPriceModel adds a stepped_flux add-on to GET /prices and prices(), its config under stepped_flux_config', async () => {
    const plain = await start(DEFAULT);
    const r = await start({ ...DEFAULT, unknownPriceModel: true });
    const before = await allPages(plain, '/v1/prices', 100);
    const after = await allPages(r, '/v1/prices', 100);
    const added = after.filter((p) => !before.some((b) => b.id === p.id));
    expect(added).toHaveLength(1);
    expect(after.filter((p) => before.some((b) => b.id === p.id))).toEqual(before);
    const [price] = added;
    expect(price).toMatchObject({ model_type: 'stepped_flux', price_type: 'usage_price', currency: 'USD' });
    expect(price.stepped_flux_config.unit_amount).toMatch(/^\d+\.\d+$/);
    expect(r.sim.truth.prices().find((p) => p.id === price.id)).toMatchObject({ model_type: 'stepped_flux', plan_id: null, billable_metric_id: price.billable_metric.id });
    expect(plain.sim.truth.prices().some((p) => p.model_type === 'stepped_flux')).toBe(false);
    // Costs are unchanged: nothing bills an add-on.
    expect(r.sim.truth.dailyCosts()).toEqual(plain.sim.truth.dailyCosts());
  });
});
