/** Customers, customer costs, the catalogue and schedules validate against Orb's published OpenAPI schemas. */
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';
import { accountOf, type Shape } from './listing.js';
import { validatorFor } from './openapi.js';

const SHAPE: Shape = { seed: 1, customers: 12, subscriptions: 30, days: 120 };

async function ok(response: Promise<{ status: number; body: any }>): Promise<any> {
  const { status, body } = await response;
  expect(status).toBe(200);
  return body;
}

describe('responses match the Orb OpenAPI schemas', () => {
  it('a /customers page is valid Customers and each customer a valid Customer', async () => {
    const { get } = await start(SHAPE);
    const page = await ok(get('/v1/customers?limit=100'));
    expect(page.data).toHaveLength(SHAPE.customers);
    expect(validatorFor('Customers')(page)).toEqual([]);
    // Every zone and currency the layout produces.
    expect(new Set(page.data.map((c: any) => c.currency))).toEqual(new Set(['USD', 'EUR']));
    const validate = validatorFor('Customer');
    for (const customer of page.data) expect(validate(await ok(get(`/v1/customers/${customer.id}`)))).toEqual([]);
  });

  it('customer costs are valid CustomerCosts in both view modes, with and without a timeframe', async () => {
    const { get } = await start(SHAPE);
    const validate = validatorFor('CustomerCosts');
    let windows = 0;
    for (const { id } of accountOf(SHAPE).customersById.values()) {
      for (const query of ['', 'view_mode=periodic', 'timeframe_start=2025-02-01T00:00:00Z', 'timeframe_start=2025-02-01T00:00:00Z&view_mode=periodic']) {
        const costs = await ok(get(`/v1/customers/${id}/costs?${query}`));
        expect(validate(costs)).toEqual([]);
        windows += costs.data.length;
      }
    }
    expect(windows).toBeGreaterThan(500);
  });

  it('a /plans page is valid Plans, with package and tiered prices, a percentage discount and a minimum', async () => {
    const { get } = await start(SHAPE);
    const page = await ok(get('/v1/plans'));
    expect(validatorFor('Plans')(page)).toEqual([]);
    const prices = page.data.flatMap((plan: any) => plan.prices);
    const adjustments = page.data.flatMap((plan: any) => plan.adjustments);
    expect(new Set(prices.map((p: any) => p.model_type))).toEqual(new Set(['unit', 'package', 'tiered']));
    expect(new Set(prices.map((p: any) => p.price_type))).toEqual(new Set(['usage_price', 'fixed_price']));
    expect(new Set(adjustments.map((a: any) => a.adjustment_type))).toEqual(new Set(['percentage_discount', 'minimum']));
    expect(page.data.some((plan: any) => plan.minimum !== null)).toBe(true);
    expect(prices.some((p: any) => p.minimum !== null)).toBe(true);
  });

  it('a /prices page is valid Prices', async () => {
    const { get } = await start(SHAPE);
    const page = await ok(get('/v1/prices'));
    expect(page.data.length).toBeGreaterThan(0);
    expect(validatorFor('Prices')(page)).toEqual([]);
  });

  it("with unknownPriceModel the stepped_flux add-on is the one price Orb's Price schema does not know", async () => {
    const { get } = await start({ ...SHAPE, unknownPriceModel: true });
    const page = await ok(get('/v1/prices'));
    const known = page.data.filter((p: any) => p.model_type !== 'stepped_flux');
    expect(known).toHaveLength(page.data.length - 1);
    expect(validatorFor('Prices')({ ...page, data: known })).toEqual([]);
    expect(validatorFor('Prices')(page)).not.toEqual([]);
  });

  it("costs carrying a one-off charge are valid SubscriptionCosts, the charge a valid one_time Price", async () => {
    const { sim, get } = await start(SHAPE);
    const charged = accountOf(SHAPE).subscriptions.filter((s) => s.oneOffCharge !== null && s.start.getTime() < sim.clock.now().getTime());
    expect(charged.length).toBeGreaterThan(2);
    for (const s of charged) {
      const costs = await ok(get(`/v1/subscriptions/${s.id}/costs?timeframe_start=${s.start.toISOString()}&view_mode=periodic`));
      expect(costs.data[0].per_price_costs.some((p: any) => p.price_id === s.oneOffCharge!.id && p.price.cadence === 'one_time')).toBe(true);
      expect(validatorFor('SubscriptionCosts')(costs)).toEqual([]);
    }
  });

  it('schedules are valid SubscriptionScheduleItems and a subscription with two phases a valid Subscription', async () => {
    const { sim, get } = await start(SHAPE);
    const validateSchedule = validatorFor('SubscriptionScheduleItems');
    const validateSubscription = validatorFor('Subscription');
    let twoPhases = 0;
    for (const { id } of sim.truth.subscriptions()) {
      const items = await ok(get(`/v1/subscriptions/${id}/schedule`));
      expect(validateSchedule(items)).toEqual([]);
      if (items.data.length === 2) {
        twoPhases++;
        const subscription = await ok(get(`/v1/subscriptions/${id}`));
        expect(subscription.price_intervals.length).toBe(6);
        expect(validateSubscription(subscription)).toEqual([]);
      }
    }
    expect(twoPhases).toBeGreaterThan(1);
  });
});
