/** Responses validate against Orb's published OpenAPI schemas (loaded at test time, never copied). */
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';
import { validatorFor } from './openapi.js';

describe('responses match the Orb OpenAPI schemas', () => {
  it('a /subscriptions page is a valid Subscriptions object', async () => {
    const { get } = await start({ subscriptions: 40 });
    const page = await get('/v1/subscriptions?limit=40');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    // Covers every plan and status the default layout produces.
    const plans = new Set(page.body.data.map((s: any) => s.plan.name));
    expect(plans).toEqual(new Set(['Starter', 'Growth', 'Scale']));
    expect(new Set(page.body.data.map((s: any) => s.status))).toEqual(new Set(['active', 'ended', 'upcoming']));
    expect(validatorFor('Subscriptions')(page.body)).toEqual([]);
  });

  it('a single subscription is a valid Subscription object, and the validator does reject broken ones', async () => {
    const { sim, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    const { body } = await get(`/subscriptions/${id}`);
    const validate = validatorFor('Subscription');
    expect(validate(body)).toEqual([]);
    const { price_intervals: _dropped, ...missingKey } = body;
    expect(validate(missingKey)).not.toEqual([]);
    expect(validate({ ...body, plan: { ...body.plan, prices: [{ ...body.plan.prices[0], model_type: 'bogus' }] } })).not.toEqual([]);
  });

  it('costs are valid SubscriptionCosts in both view modes, for every plan', async () => {
    const { sim, get } = await start();
    const validate = validatorFor('SubscriptionCosts');
    const byPlan = new Map(sim.truth.subscriptions().map((s) => [s.plan_id, s.id]));
    expect(byPlan.size).toBe(3);
    for (const id of byPlan.values()) {
      for (const mode of ['cumulative', 'periodic']) {
        const costs = await get(`/subscriptions/${id}/costs?view_mode=${mode}&timeframe_start=2025-02-01T00:00:00Z`);
        expect(costs.status).toBe(200);
        expect(costs.body.data.length).toBeGreaterThan(0);
        expect(validate(costs.body)).toEqual([]);
      }
    }
  });

  it('error bodies are valid 400, 401, 404, 429 and 500 errors', async () => {
    const { sim, get } = await start();
    expect(validatorFor('400Error')((await get('/subscriptions?limit=101')).body)).toEqual([]);
    expect(validatorFor('401Error')((await get('/subscriptions', null)).body)).toEqual([]);
    expect(validatorFor('404Error')((await get('/subscriptions/sub_missing')).body)).toEqual([]);
    expect(validatorFor('404Error')((await get('/no/such/route')).body)).toEqual([]);
    sim.faults.inject({ status: 429 });
    expect(validatorFor('429Error')((await get('/subscriptions')).body)).toEqual([]);
    sim.faults.inject({ status: 500 });
    expect(validatorFor('500Error')((await get('/subscriptions')).body)).toEqual([]);
  });
});
