/** Authentication, not-found handling, fault injection and the request log. */
import Orb from 'orb-billing';
import { describe, expect, it } from 'vitest';
import { start } from './helpers.js';

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

describe('faults', () => {
  it('an injected 429 carries Retry-After and an Orb body, for the matching path only, then stops', async () => {
    const { sim, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    sim.faults.inject({ path: /\/costs$/, status: 429, times: 2, retryAfterSeconds: 7 });
    expect((await get('/v1/subscriptions')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const limited = await get(`/v1/subscriptions/${id}/costs`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(limited.body).toMatchObject({ type: `${ERRORS}#429-too-many-requests`, status: 429 });
    }
    expect((await get(`/v1/subscriptions/${id}/costs`)).status).toBe(200);
    expect(sim.requests.log().map((r) => r.status)).toEqual([200, 429, 429, 200]);
    expect(sim.requests.count(/\/costs$/)).toBe(3);
  });

  it('an injected 500 returns Orb\'s server error, which the SDK retries past', async () => {
    const { sim, get, client } = await start();
    sim.faults.inject({ path: '/subscriptions', status: 500 });
    const failed = await get('/subscriptions');
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ type: `${ERRORS}#500-internal-server-error`, status: 500 });
    expect(failed.headers.get('retry-after')).toBeNull();

    sim.faults.inject({ path: '/subscriptions', status: 503 });
    const retrying = new Orb({ apiKey: 'k', baseURL: client.baseURL, maxRetries: 2 });
    const page = await retrying.subscriptions.list({ limit: 5 });
    expect(page.data).toHaveLength(5);
    expect(sim.requests.log().slice(-2).map((r) => r.status)).toEqual([503, 200]);
  });

  it('a default 429 asks to retry after 1 second; clear() removes pending faults', async () => {
    const { sim, get } = await start();
    sim.faults.inject({ status: 429 });
    expect((await get('/subscriptions')).headers.get('retry-after')).toBe('1');
    sim.faults.inject({ status: 500, times: 5 });
    sim.faults.clear();
    expect((await get('/subscriptions')).status).toBe(200);
  });

  it('without injected faults no request fails', async () => {
    const { sim, client } = await start({ subscriptions: 60 });
    for await (const s of client.subscriptions.list({ limit: 10 })) {
      await client.subscriptions.fetchCosts(s.id, { view_mode: 'periodic' });
    }
    const log = sim.requests.log();
    expect(log.length).toBe(6 + 60);
    expect(log.every((r) => r.status === 200)).toBe(true);
    expect(log[0]).toEqual({ method: 'GET', path: '/subscriptions', query: 'limit=10', status: 200 });
    sim.requests.reset();
    expect(sim.requests.count()).toBe(0);
  });
});
