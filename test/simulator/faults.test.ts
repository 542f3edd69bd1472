/** Fault injection: per-test rules and the seeded rate-based configuration, over real HTTP. */
import Orb from 'orb-billing';
import { describe, expect, it, vi } from 'vitest';
import { endpointClass, responseDelayMs, type SimulatorOptions } from '../../src/simulator/index.js';
import { start } from './helpers.js';

const ERRORS = 'https://docs.withorb.com/reference/error-responses';
const AUTH = { authorization: 'Bearer test' };

async function statuses(url: string, count: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await fetch(`${url}/v1/subscriptions?limit=1`, { headers: AUTH })).status);
  return result;
}

/** Times one request, from sending it to its whole body. */
async function timed(url: string): Promise<number> {
  const started = performance.now();
  await (await fetch(`${url}/v1/subscriptions?limit=1`, { headers: AUTH })).text();
  return performance.now() - started;
}

describe('injected status faults', () => {
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
    expect((await get(`/v1/subscriptions/${id}/costs`)).status).not.toBe(429);
    expect(sim.requests.log().map((r) => r.fault ?? null)).toEqual([null, 'status', 'status', null]);
    expect(sim.requests.count(/\/costs$/)).toBe(3);
  });

  it("an injected 500 returns Orb's server error, which the SDK retries past", async () => {
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

  it('times: Infinity keeps failing until cleared', async () => {
    const { sim, url } = await start();
    sim.faults.inject({ status: 502, times: Infinity });
    expect(await statuses(url, 5)).toEqual([502, 502, 502, 502, 502]);
    sim.faults.clear();
    expect(await statuses(url, 1)).toEqual([200]);
  });

  it('rejects rules that could not be served', async () => {
    const { sim } = await start();
    const bad: unknown[] = [
      { status: 404 },
      { status: 200 },
      { kind: 'reset', status: 500 },
      { kind: 'explode' },
      { status: 500, times: 0 },
      { status: 500, times: 1.5 },
      { status: 500, retryAfterSeconds: 3 },
      { status: 429, retryAfterSeconds: -1 },
      { kind: 'mutate' },
      { kind: 'mutate', mutate: '{}' },
      { kind: 'html', mutate: () => null },
      { status: 500, mutate: () => null },
    ];
    for (const rule of bad) expect(() => sim.faults.inject(rule as never), JSON.stringify(rule)).toThrow(/faults\.inject/);
  });
});

describe('injected transport faults', () => {
  it('reset: the client gets a socket error, the log says status 0, the next request is served', async () => {
    const { sim, url } = await start();
    sim.faults.inject({ kind: 'reset', path: '/subscriptions' });
    await expect(fetch(`${url}/v1/subscriptions`, { headers: AUTH }).then((r) => r.text())).rejects.toThrow();
    // Worth knowing for clients: the SDK surfaces a body cut short as undici's TypeError, not retried.
    const sdk = new Orb({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 2 });
    sim.faults.inject({ kind: 'reset', path: '/subscriptions' });
    await expect(sdk.subscriptions.list()).rejects.toThrow(TypeError);
    expect((await fetch(`${url}/v1/subscriptions`, { headers: AUTH })).status).toBe(200);
    expect(sim.requests.log().map(({ status, fault }) => ({ status, fault }))).toEqual([
      { status: 0, fault: 'reset' },
      { status: 0, fault: 'reset' },
      { status: 200 },
    ]);
  });

  it('hang: no answer until the client gives up, recorded when it starts, and close() still resolves', async () => {
    const { sim, url } = await start();
    sim.faults.inject({ kind: 'hang', times: 2 });
    const abandoned = fetch(`${url}/v1/subscriptions`, { headers: AUTH, signal: AbortSignal.timeout(300) });
    await expect(abandoned).rejects.toThrow(/abort|timeout/i);
    expect(sim.requests.log()).toEqual([{ method: 'GET', path: '/subscriptions', query: '', status: 0, fault: 'hang' }]);

    const pending = fetch(`${url}/v1/subscriptions`, { headers: AUTH });
    while (sim.requests.count() < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await sim.close();
    await expect(pending).rejects.toThrow();
  });

  it('malformed: 200 with a body that is not JSON', async () => {
    const { sim, url } = await start();
    sim.faults.inject({ kind: 'malformed', path: '/subscriptions' });
    const response = await fetch(`${url}/v1/subscriptions?limit=3`, { headers: AUTH });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"data":[')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(sim.requests.log()[0]).toMatchObject({ status: 200, fault: 'malformed' });
    expect(JSON.parse(await (await fetch(`${url}/v1/subscriptions?limit=3`, { headers: AUTH })).text()).data).toHaveLength(3);
  });

  it('stuck-cursor: every page after the first hands back the cursor it was given', async () => {
    const { sim, get } = await start();
    const first = await get('/v1/subscriptions?limit=5');
    const second = await get(`/v1/subscriptions?limit=5&cursor=${first.body.pagination_metadata.next_cursor}`);

    sim.faults.inject({ kind: 'stuck-cursor', path: '/subscriptions', times: Infinity });
    const stuckFirst = await get('/v1/subscriptions?limit=5');
    expect(stuckFirst.body).toEqual(first.body);
    const cursor: string = stuckFirst.body.pagination_metadata.next_cursor;
    const stuckSecond = await get(`/v1/subscriptions?limit=5&cursor=${cursor}`);
    const stuckThird = await get(`/v1/subscriptions?limit=5&cursor=${stuckSecond.body.pagination_metadata.next_cursor}`);
    // The pages themselves are served normally; only the cursor is stuck.
    expect(stuckSecond.body.data).toEqual(second.body.data);
    expect(stuckThird.body.data).toEqual(second.body.data);
    for (const page of [stuckSecond, stuckThird]) expect(page.body.pagination_metadata).toEqual({ has_more: true, next_cursor: cursor });
    expect(sim.requests.log().slice(2).map((r) => r.fault)).toEqual(['stuck-cursor', 'stuck-cursor', 'stuck-cursor']);
  });

  it('stuck-cursor leaves a body without pagination alone', async () => {
    const { sim, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    const normal = await get(`/v1/subscriptions/${id}`);
    sim.faults.inject({ kind: 'stuck-cursor' });
    expect(await get(`/v1/subscriptions/${id}`)).toMatchObject({ status: 200, body: normal.body });
  });
});

describe('injected body faults', () => {
  it('mutate: the body the route served, passed through the function, with status 200 and the log saying mutate', async () => {
    const { sim, get } = await start();
    const normal = await get('/v1/subscriptions?limit=2');
    sim.faults.inject({
      kind: 'mutate',
      path: '/subscriptions',
      mutate: (body: any) => ({ ...body, data: body.data.map((s: any) => ({ ...s, billing_cycle_day: String(s.billing_cycle_day) })) }),
    });
    const mutated = await get('/v1/subscriptions?limit=2');
    expect(mutated.status).toBe(200);
    expect(mutated.body.data.map((s: any) => s.billing_cycle_day)).toEqual(normal.body.data.map((s: any) => String(s.billing_cycle_day)));
    expect(mutated.body.pagination_metadata).toEqual(normal.body.pagination_metadata);
    expect(await get('/v1/subscriptions?limit=2')).toMatchObject({ status: 200, body: normal.body });
    expect(sim.requests.log().map(({ status, fault }) => ({ status, fault }))).toEqual([{ status: 200 }, { status: 200, fault: 'mutate' }, { status: 200 }]);
  });

  it('mutate: a string result is sent verbatim as JSON, so numbers JSON.stringify never writes get through', async () => {
    const { sim, url } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    const verbatim = '{"data":[{"subtotal":1e5,"total":"1e5"}]}';
    sim.faults.inject({ kind: 'mutate', path: /\/costs$/, mutate: () => verbatim });
    const response = await fetch(`${url}/v1/subscriptions/${id}/costs`, { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(verbatim);
  });

  it('mutate: a body edited in place is sent edited, and the edit never reaches later responses', async () => {
    const { sim, get } = await start();
    const normal = await get('/v1/plans');
    sim.faults.inject({
      kind: 'mutate',
      path: '/plans',
      mutate: (body: any) => {
        body.data[0].prices[0].created_at = '';
        delete body.data[0].currency;
      },
    });
    const edited = (await get('/v1/plans')).body;
    expect(edited.data[0].prices[0].created_at).toBe('');
    expect(edited.data[0]).not.toHaveProperty('currency');
    // Plans and prices are cached between requests: the function gets a copy.
    expect((await get('/v1/plans')).body).toEqual(normal.body);
  });

  it("mutate: an Orb error from the route is sent as it is, and a mutation that throws is a 500 that says so", async () => {
    const { sim, get } = await start();
    const mutate = vi.fn((body: unknown) => body);
    sim.faults.inject({ kind: 'mutate', mutate });
    expect((await get('/v1/subscriptions/sub_missing')).status).toBe(404);
    expect(mutate).not.toHaveBeenCalled();

    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    sim.faults.inject({
      kind: 'mutate',
      mutate: () => {
        throw new Error('bug in the test');
      },
    });
    expect((await get('/v1/subscriptions')).status).toBe(500);
    expect(logged).toHaveBeenCalledWith('simulator: a mutate fault threw', expect.any(Error));
    logged.mockRestore();
  });

  it("html: 200 with a proxy's HTML error page, and the route never runs", async () => {
    const { sim, url } = await start();
    sim.faults.inject({ kind: 'html', path: '/events/backfills' });
    const response = await fetch(`${url}/v1/events/backfills`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ timeframe_start: '2025-03-01T00:00:00Z', timeframe_end: '2025-03-02T00:00:00Z' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<title>502 Bad Gateway</title>');
    // No backfill was created behind the proxy.
    expect((await (await fetch(`${url}/v1/events/backfills`, { headers: AUTH })).json()).data).toEqual([]);
    expect(sim.requests.log()[0]).toMatchObject({ method: 'POST', status: 200, fault: 'html' });
  });

  it('repeat-page: the first page again and again, each time under a new cursor that claims more', async () => {
    const { sim, get } = await start();
    const first = await get('/v1/subscriptions?limit=5');
    const second = await get(`/v1/subscriptions?limit=5&cursor=${first.body.pagination_metadata.next_cursor}`);
    sim.faults.inject({ kind: 'repeat-page', path: '/subscriptions', times: Infinity });
    const cursors = new Set<string>([first.body.pagination_metadata.next_cursor, second.body.pagination_metadata.next_cursor]);
    let cursor: string | null = null;
    for (let page = 0; page < 6; page++) {
      const repeated = await get(`/v1/subscriptions?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(repeated.status).toBe(200);
      expect(repeated.body.data).toEqual(first.body.data);
      expect(repeated.body.pagination_metadata.has_more).toBe(true);
      cursor = repeated.body.pagination_metadata.next_cursor as string;
      expect(cursors.has(cursor)).toBe(false);
      cursors.add(cursor);
    }
    // A real cursor gets the first page too.
    expect((await get(`/v1/subscriptions?limit=5&cursor=${first.body.pagination_metadata.next_cursor}`)).body.data).toEqual(first.body.data);
    expect(sim.requests.log().slice(2).every((r) => r.fault === 'repeat-page')).toBe(true);
    // Once the rule is spent, a repeat cursor is one the simulator never issued.
    sim.faults.clear();
    expect(await get(`/v1/subscriptions?limit=5&cursor=${cursor}`)).toMatchObject({ status: 400, body: { status: 400 } });
  });

  it('repeat-page leaves a body without pagination alone', async () => {
    const { sim, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    const normal = await get(`/v1/subscriptions/${id}`);
    sim.faults.inject({ kind: 'repeat-page' });
    expect(await get(`/v1/subscriptions/${id}`)).toMatchObject({ status: 200, body: normal.body });
  });
});

describe('rate-based faults', () => {
  it('latency delays every response by at least latencyMs', async () => {
    const { url } = await start({ faults: { latencyMs: 150 } });
    for (let i = 0; i < 3; i++) expect(await timed(url)).toBeGreaterThanOrEqual(150);
  });

  it('jitter is a pure function of (seed, request number), within [latency, latency + jitter]', () => {
    const config = { latencyMs: 20, jitterMs: 50 };
    const delays = (seed: number) => Array.from({ length: 200 }, (_, n) => responseDelayMs(config, seed, n));
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
    expect(Math.min(...delays(7))).toBe(20);
    expect(Math.max(...delays(7))).toBe(70);
    expect(new Set(delays(7)).size).toBeGreaterThan(30);
    expect(responseDelayMs({}, 7, 3)).toBe(0);
    expect(responseDelayMs({ latencyMs: 5 }, 7, 3)).toBe(5);
  });

  it('jittered responses wait at least their drawn delay', async () => {
    const config = { latencyMs: 30, jitterMs: 100 };
    const { url } = await start({ seed: 4, faults: config });
    for (let n = 0; n < 4; n++) expect(await timed(url)).toBeGreaterThanOrEqual(responseDelayMs(config, 4, n));
  });

  it("classifies costs and usage as Orb's analytics endpoints, everything else as other", () => {
    expect(endpointClass('GET', '/subscriptions/sub_1/costs')).toBe('analytics');
    expect(endpointClass('GET', '/customers/cus_1/costs')).toBe('analytics');
    expect(endpointClass('GET', '/subscriptions/sub_1/usage')).toBe('analytics');
    for (const path of ['/subscriptions', '/subscriptions/sub_1', '/subscriptions/sub_1/schedule', '/customers/cus_1', '/events/volume']) {
      expect(endpointClass('GET', path)).toBe('other');
    }
    expect(endpointClass('POST', '/subscriptions/sub_1/costs')).toBe('other');
  });

  it("rate limits: a burst of 20 costs requests meets Orb's 429; 20 other requests do not", async () => {
    const { sim, url } = await start({ faults: { rateLimits: true } });
    const ids = sim.truth.subscriptions().map((s) => s.id);
    const burst = (path: (i: number) => string) =>
      Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${url}/v1${path(i)}`, { headers: AUTH })));

    const others = await burst(() => '/subscriptions?limit=1');
    expect(others.map((r) => r.status)).toEqual(Array(20).fill(200));

    const costs = await burst((i) => `/subscriptions/${ids[i % ids.length]}/costs`);
    const limited = costs.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const response of limited) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({ type: `${ERRORS}#429-too-many-requests`, status: 429 });
    }
    expect(sim.requests.log().filter((r) => r.fault === 'rate-limit')).toHaveLength(limited.length);

    // After Retry-After the window has slid past the burst.
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(limited[0]!.headers.get('retry-after'))));
    expect((await fetch(`${url}/v1/subscriptions/${ids[0]}/costs`, { headers: AUTH })).status).not.toBe(429);
  });

  it('custom rate limits apply per class', async () => {
    const { url } = await start({ faults: { rateLimits: { otherPerSecond: 3 } } });
    const burst = await Promise.all(Array.from({ length: 6 }, () => fetch(`${url}/v1/subscriptions`, { headers: AUTH })));
    expect(burst.some((r) => r.status === 429)).toBe(true);
  });

  it('errorRate 0.3 fails about 30% of 200 requests with 500/502/503, the same ones for the same seed', async () => {
    const run = async (options: SimulatorOptions) => statuses((await start(options)).url, 200);
    const first = await run({ seed: 11, faults: { errorRate: 0.3 } });
    const failures = first.filter((s) => s !== 200);
    expect(failures.length).toBeGreaterThan(40);
    expect(failures.length).toBeLessThan(80);
    expect(new Set(failures)).toEqual(new Set([500, 502, 503]));
    expect(await run({ seed: 11, faults: { errorRate: 0.3 } })).toEqual(first);
    expect(await run({ seed: 12, faults: { errorRate: 0.3 } })).not.toEqual(first);
    expect(await run({ seed: 11 })).toEqual(Array(200).fill(200));
  });

  it('resetRate, hangRate and malformedRate of 1 fail every request their way', async () => {
    const { sim, url } = await start();
    const request = () => fetch(`${url}/v1/subscriptions`, { headers: AUTH, signal: AbortSignal.timeout(300) }).then((r) => r.text());
    sim.faults.configure({ resetRate: 1 });
    await expect(request()).rejects.toThrow();
    sim.faults.configure({ hangRate: 1 });
    await expect(request()).rejects.toThrow(/abort|timeout/i);
    sim.faults.configure({ malformedRate: 1 });
    const text = await request();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(sim.requests.log().map((r) => r.fault)).toEqual(['reset', 'hang', 'malformed']);
  });

  it('configure() replaces the configuration and clear() removes it; rules win over rates', async () => {
    const { sim, url } = await start({ faults: { errorRate: 1 } });
    expect((await statuses(url, 3)).every((s) => s >= 500)).toBe(true);
    sim.faults.inject({ status: 429 });
    expect(await statuses(url, 1)).toEqual([429]);
    sim.faults.configure({ latencyMs: 1 });
    expect(await statuses(url, 3)).toEqual([200, 200, 200]);
    sim.faults.configure({ errorRate: 1 });
    sim.faults.clear();
    expect(await statuses(url, 3)).toEqual([200, 200, 200]);
  });

  it('rejects configurations that make no sense', async () => {
    const { sim } = await start();
    const bad: unknown[] = [
      { latencyMs: -1 },
      { jitterMs: 1.5 },
      { errorRate: 1.5 },
      { hangRate: -0.1 },
      { errorRate: '0.3' },
      { errorRate: 0.6, resetRate: 0.6 },
      { rateLimits: { analyticsPerSecond: 0 } },
      { rateLimits: 'yes' },
      { rateLimits: null },
    ];
    for (const config of bad) expect(() => sim.faults.configure(config as never), JSON.stringify(config)).toThrow(/faults\.configure/);
  });
});
