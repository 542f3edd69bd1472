/** GET /plans and GET /prices against the catalogue records: paging, filters, and what each lists. */
import { describe, expect, it } from 'vitest';
import type { PriceDef } from '../../src/simulator/plans.js';
import { start } from './helpers.js';
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
