/** Usage, event volume and event search responses validate against Orb's published OpenAPI schemas. */
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';
import { validatorFor } from './openapi.js';

describe('usage and event responses match the Orb OpenAPI schemas', () => {
  it('ungrouped usage is a valid SubscriptionUsage in both view modes, windowed or not', async () => {
    const { sim, get } = await start();
    const validate = validatorFor('SubscriptionUsage');
    const byPlan = new Map(sim.truth.subscriptions().filter((s) => s.status === 'active').map((s) => [s.plan_id, s.id]));
    expect(byPlan.size).toBe(3);
    for (const id of byPlan.values()) {
      for (const query of ['', 'granularity=day&']) {
        for (const mode of ['periodic', 'cumulative']) {
          const { status, body } = await get(`/v1/subscriptions/${id}/usage?${query}view_mode=${mode}`);
          expect(status).toBe(200);
          expect(body.data.length).toBeGreaterThan(0);
          expect(validate(body)).toEqual([]);
        }
      }
    }
  });

  it('grouped usage is a valid GroupedSubscriptionUsage in both view modes', async () => {
    const { sim, get } = await start();
    const id = sim.truth.subscriptions().find((s) => s.status === 'active')!.id;
    const metric = (await get(`/v1/subscriptions/${id}/usage`)).body.data[0].billable_metric.id;
    // Not checked against SubscriptionUsage: its oneOf cannot tell the variants apart, since a grouped
    // record also satisfies UngroupedSubscriptionUsageRecord (neither forbids extra keys).
    const validate = validatorFor('GroupedSubscriptionUsage');
    for (const mode of ['periodic', 'cumulative']) {
      const { status, body } = await get(`/v1/subscriptions/${id}/usage?granularity=day&view_mode=${mode}&billable_metric_id=${metric}&group_by=region`);
      expect(status).toBe(200);
      expect(body.data.length).toBe(3);
      expect(validate(body)).toEqual([]);
    }
  });

  it('a volume page is valid EventVolumes with valid PaginationMetadata', async () => {
    const { get } = await start();
    const { status, body } = await get('/v1/events/volume?timeframe_start=2025-03-14T00:00:00Z&limit=5');
    expect(status).toBe(200);
    expect(body.data).toHaveLength(5);
    expect(validatorFor('EventVolumes')(body)).toEqual([]);
    expect(validatorFor('PaginationMetadata')(body.pagination_metadata)).toEqual([]);
  });

  it('search results are valid Events', async () => {
    const { url } = await start();
    // Generated ids name their customer index, metric, UTC hour (base 36) and position in the hour.
    const hour = (Date.parse('2025-03-14T12:00:00Z') / 3_600_000).toString(36);
    const ids = [0, 1, 2, 3].flatMap((customer) => [0, 1, 2, 3, 4].flatMap((metric) => [0, 1, 2].map((k) => `evt_${customer}_${metric}_${hour}_${k}`)));
    const response = await fetch(`${url}/v1/events/search`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ event_ids: ids }),
    });
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body.data.length).toBeGreaterThan(0);
    expect(validatorFor('Events')(body)).toEqual([]);
  });

  it('usage, volume and search errors are valid 400 and 404 errors', async () => {
    const { sim, url, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    const validate400 = validatorFor('400Error');
    for (const path of [
      `/v1/subscriptions/${id}/usage?group_by=region`,
      `/v1/subscriptions/${id}/usage?timeframe_start=2025-03-01T00:00:00Z`,
      `/v1/subscriptions/${id}/usage?granularity=hour`,
      `/v1/subscriptions/${id}/usage?timeframe_start=2025-03-15T00:00:00Z&timeframe_end=2025-03-01T00:00:00Z`,
      '/v1/events/volume',
      '/v1/events/volume?timeframe_start=2025-03-14T00:00:00Z&limit=101',
    ]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(validate400(body)).toEqual([]);
    }
    for (const criteria of [{ event_ids: [] }, { event_ids: ['evt_1'], limit: 5 }]) {
      const response = await fetch(`${url}/v1/events/search`, {
        method: 'POST',
        headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
        body: JSON.stringify(criteria),
      });
      expect(response.status).toBe(400);
      expect(validate400(await response.json())).toEqual([]);
    }
    const validate404 = validatorFor('404Error');
    expect(validate404((await get('/v1/subscriptions/sub_missing/usage')).body)).toEqual([]);
    expect(validate404((await get(`/v1/subscriptions/${id}/usage?billable_metric_id=bm_missing&group_by=region`)).body)).toEqual([]);
  });
});
