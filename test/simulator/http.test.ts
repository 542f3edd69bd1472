/** Authentication, not-found handling and the request log. */
import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import { NOW, start } from './helpers.js';

const ERRORS = 'https://docs.withorb.com/reference/error-responses';

describe('authentication', () => {
  it('rejects a missing or empty bearer token with 401 and does not count it', async () => {
    const { sim, url } = await start();
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer ' }, { authorization: 'Basic abc' }];
    for (const headers of variants) {
      const response = await fetch(`${url}/v1/subscriptions`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ type: `${ERRORS}#401-authentication-error`, status: 401, title: 'Authentication error' });
    }
    expect(sim.requests.count()).toBe(0);
  });

  it('accepts only the configured key when apiKey is set', async () => {
    const { get, client } = await start({ apiKey: 'secret' });
    expect((await get('/subscriptions', 'other')).status).toBe(401);
    expect((await get('/subscriptions', 'secret')).status).toBe(200);
    const wrong = new Orb({ apiKey: 'other', baseURL: client.baseURL, maxRetries: 0 });
    await expect(wrong.subscriptions.list()).rejects.toBeInstanceOf(Orb.AuthenticationError);
  });
});

describe('not found', () => {
  it('returns resource-not-found for an unknown subscription, also through the SDK', async () => {
    const { get, client } = await start();
    for (const path of ['/subscriptions/sub_unknown', '/v1/subscriptions/sub_unknown/costs']) {
      const response = await get(path);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ type: `${ERRORS}#404-resource-not-found`, status: 404, title: expect.any(String) });
    }
    await expect(client.subscriptions.fetchCosts('sub_unknown')).rejects.toBeInstanceOf(Orb.NotFoundError);
  });

  it('returns url-not-found for an unknown route or method', async () => {
    const { url, get } = await start();
    expect((await get('/v1/invoices')).body).toMatchObject({ type: `${ERRORS}#404-url-not-found`, status: 404 });
    const post = await fetch(`${url}/v1/subscriptions`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    expect(post.status).toBe(404);
  });
});

describe('request log', () => {
  it('without faults no request fails, and each is logged', async () => {
    const { sim, client } = await start({ subscriptions: 60 });
    for await (const s of client.subscriptions.list({ limit: 10 })) {
      await client.subscriptions.fetchCosts(s.id, { view_mode: 'periodic' });
    }
    const log = sim.requests.log();
    expect(log.length).toBe(6 + 60);
    expect(log.every((r) => r.status === 200 && r.fault === undefined)).toBe(true);
    expect(log[0]).toStrictEqual({ method: 'GET', path: '/subscriptions', query: 'limit=10', status: 200 });
    sim.requests.reset();
    expect(sim.requests.count()).toBe(0);
  });

  it('counts requests per endpoint, with ids replaced by {id}', async () => {
    const { sim, url, get } = await start();
    const [a, b] = sim.truth.subscriptions();
    await get('/v1/subscriptions');
    await get('/subscriptions?limit=2');
    await get(`/v1/subscriptions/${a!.id}`);
    await get(`/v1/subscriptions/${a!.id}/costs`);
    await get(`/v1/subscriptions/${b!.id}/costs`);
    await get('/v1/subscriptions/sub_unknown/costs');
    await get('/v1/invoices');
    await fetch(`${url}/v1/events/backfills/bf_1/close`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    expect(sim.requests.countsByEndpoint()).toEqual({
      'GET /subscriptions': 2,
      'GET /subscriptions/{id}': 1,
      'GET /subscriptions/{id}/costs': 3,
      'GET /invoices': 1, // no such route: the path is kept as sent
      'POST /events/backfills/{id}/close': 1,
    });
  });
});

describe('Date header', () => {
  it("every response, Orb's or the control API's, failed or not, carries the simulator clock's time, not the machine's", async () => {
    const { sim, url, get } = await start({ now: '2031-07-04T08:09:10Z' });
    const dateOf = async (path: string, init: RequestInit = {}) => (await fetch(`${url}${path}`, init)).headers.get('date');
    const auth = { headers: { authorization: 'Bearer t' } };
    expect((await get('/v1/subscriptions')).headers.get('date')).toBe('Fri, 04 Jul 2031 08:09:10 GMT');

    sim.clock.advance({ hours: 1, ms: 500 }); // IMF-fixdate has whole seconds
    const later = 'Fri, 04 Jul 2031 09:09:10 GMT';
    expect(await dateOf('/v1/subscriptions')).toBe(later); // 401
    expect(await dateOf('/v1/invoices', auth)).toBe(later); // 404
    sim.faults.inject({ status: 503 });
    expect(await dateOf('/v1/subscriptions', auth)).toBe(later);
    sim.faults.inject({ kind: 'html' });
    expect(await dateOf('/v1/subscriptions', auth)).toBe(later);
    expect(await dateOf('/_simulator/clock')).toBe(later);
    expect(await dateOf('/_simulator/requests', { method: 'DELETE' })).toBe(later); // 204, no body
    // A control call that moves the clock answers with the new time.
    const moved = await fetch(`${url}/_simulator/clock`, { method: 'POST', body: JSON.stringify({ now: '2031-12-25T23:59:59Z' }) });
    expect(moved.headers.get('date')).toBe('Thu, 25 Dec 2031 23:59:59 GMT');
  });

  it('reports the instant the request arrived, which the body was computed at, even when the answer is delayed', async () => {
    const { sim, url } = await start({ faults: { latencyMs: 200 } });
    const pending = fetch(`${url}/v1/subscriptions`, { headers: { authorization: 'Bearer t' } });
    while (sim.requests.count() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    sim.clock.advance({ days: 1 });
    expect((await pending).headers.get('date')).toBe(new Date(NOW).toUTCString());
  });
});
