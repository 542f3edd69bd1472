/** The /_simulator control API: clock, faults, request log and ground truth over plain HTTP. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, start } from './helpers.js';

/** A control call: JSON in and out, and no API key. */
async function control(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/_simulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function statusOf(url: string): Promise<number> {
  return (await fetch(`${url}/v1/subscriptions`, { headers: { authorization: 'Bearer t' } })).status;
}

describe('clock', () => {
  it('reads, sets and advances the clock, which moves what the Orb API serves', async () => {
    const { sim, url, get } = await start({ apiKey: 'secret' });
    expect(await control(url, 'GET', '/clock')).toEqual({ status: 200, body: { now: new Date(NOW).toISOString() } });

    const upcoming = sim.truth.subscriptions().find((s) => s.status === 'upcoming')!;
    expect((await get(`/v1/subscriptions/${upcoming.id}`, 'secret')).body.status).toBe('upcoming');
    const moved = await control(url, 'POST', '/clock', { now: upcoming.start_date });
    expect(moved).toEqual({ status: 200, body: { now: new Date(upcoming.start_date).toISOString() } });
    expect((await get(`/v1/subscriptions/${upcoming.id}`, 'secret')).body.status).toBe('active');

    const advanced = await control(url, 'POST', '/clock', { advance: { days: 1, hours: 2, ms: 3 } });
    expect(Date.parse(advanced.body.now) - Date.parse(upcoming.start_date)).toBe(26 * 3_600_000 + 3);
    expect(sim.clock.now().toISOString()).toBe(advanced.body.now);
    // Control calls are not Orb requests.
    expect(sim.requests.log().map((r) => r.path)).toEqual([`/subscriptions/${upcoming.id}`, `/subscriptions/${upcoming.id}`]);
  });

  it('rejects a bad clock body with a 400 and leaves the clock alone', async () => {
    const { sim, url } = await start();
    const bodies: unknown[] = [
      '{not json',
      {},
      { now: 'yesterday' },
      { now: 5 },
      { now: NOW, advance: { days: 1 } },
      { advance: { weeks: 1 } },
      { advance: { days: '1' } },
      { advance: 3 },
    ];
    for (const body of bodies) {
      const response = await control(url, 'POST', '/clock', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual({ error: expect.any(String) });
    }
    expect(sim.clock.now().toISOString()).toBe(new Date(NOW).toISOString());
  });
});

describe('faults', () => {
  it('injects a rule, configures rates and clears both', async () => {
    const { url, get } = await start();
    expect(await control(url, 'POST', '/faults', { status: 503, path: '/subscriptions', times: 2 })).toEqual({ status: 204, body: undefined });
    expect((await get('/v1/subscriptions')).status).toBe(503);
    expect((await get('/v1/subscriptions')).status).toBe(503);
    expect((await get('/v1/subscriptions')).status).toBe(200);

    await control(url, 'POST', '/faults', { kind: 'malformed', path_pattern: '^/subscriptions/[^/]+$', times: 'Infinity' });
    const id = (await get('/v1/subscriptions?limit=1')).body.data[0].id;
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${url}/v1/subscriptions/${id}`, { headers: { authorization: 'Bearer t' } });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    }
    expect(await control(url, 'PUT', '/faults/config', { errorRate: 1 })).toEqual({ status: 204, body: undefined });
    expect((await get('/v1/subscriptions')).status).toBeGreaterThanOrEqual(500);
    expect(await control(url, 'DELETE', '/faults')).toEqual({ status: 204, body: undefined });
    expect((await get('/v1/subscriptions')).status).toBe(200);
    expect((await get(`/v1/subscriptions/${id}`)).status).toBe(200);
  });

  it("offers the html and repeat-page kinds, but not mutate, whose function JSON cannot carry", async () => {
    const { url, get } = await start();
    expect((await control(url, 'POST', '/faults', { kind: 'html', path: '/plans' })).status).toBe(204);
    const html = await fetch(`${url}/v1/plans`, { headers: { authorization: 'Bearer t' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await control(url, 'POST', '/faults', { kind: 'repeat-page', path: '/subscriptions', times: 2 })).status).toBe(204);
    const first = await get('/v1/subscriptions?limit=3');
    const again = await get(`/v1/subscriptions?limit=3&cursor=${first.body.pagination_metadata.next_cursor}`);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.pagination_metadata.next_cursor).not.toBe(first.body.pagination_metadata.next_cursor);
    const mutate = await control(url, 'POST', '/faults', { kind: 'mutate', path: '/plans' });
    expect(mutate).toEqual({ status: 400, body: { error: expect.stringContaining('sim.faults.inject()') } });
  });

  it('rejects bad rules and configurations with a 400', async () => {
    const { sim, url } = await start();
    const rules: unknown[] = [
      '',
      { status: 200 },
      { kind: 'bogus' },
      { status: 500, retry_after_seconds: 1 },
      { status: 500, path: '/a', path_pattern: '/a' },
      { status: 500, path_pattern: '(' },
      { status: 500, path: 5 },
      { status: 500, times: 'forever' },
    ];
    for (const rule of rules) expect((await control(url, 'POST', '/faults', rule)).status, JSON.stringify(rule)).toBe(400);
    const configs: unknown[] = [{ errorRate: 2 }, { latency: 5 }, { rateLimits: { analytics: 1 } }, [1]];
    for (const config of configs) expect((await control(url, 'PUT', '/faults/config', config)).status, JSON.stringify(config)).toBe(400);
    expect(await statusOf(url)).toBe(200);
    expect(sim.requests.count()).toBe(1);
  });
});

describe('requests', () => {
  it('reports the total, the counts per endpoint and the log, and resets them', async () => {
    const { sim, url, get } = await start();
    const id = sim.truth.subscriptions()[0]!.id;
    await get('/v1/subscriptions');
    await get(`/v1/subscriptions/${id}/costs`);
    await get(`/subscriptions/${id}/costs`);
    const report = await control(url, 'GET', '/requests');
    expect(report).toEqual({
      status: 200,
      body: {
        total: 3,
        by_endpoint: { 'GET /subscriptions': 1, 'GET /subscriptions/{id}/costs': 2 },
        log: sim.requests.log(),
      },
    });
    expect(await control(url, 'DELETE', '/requests')).toEqual({ status: 204, body: undefined });
    expect((await control(url, 'GET', '/requests')).body).toEqual({ total: 0, by_endpoint: {}, log: [] });
  });

  it('answers an unknown control endpoint with a 404 JSON error', async () => {
    const { url } = await start();
    for (const [method, path] of [['GET', '/nothing'], ['POST', '/requests'], ['GET', '/truth/nothing'], ['GET', '']]) {
      const response = await control(url, method!, path!);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: expect.stringContaining('/_simulator') });
    }
  });
});

describe('truth', () => {
  it('serves the same rows as the programmatic API', async () => {
    const { sim, url } = await start();
    expect((await control(url, 'GET', '/truth/subscriptions')).body).toEqual({ data: sim.truth.subscriptions() });
    expect((await control(url, 'GET', '/truth/daily-costs')).body).toEqual({ data: sim.truth.dailyCosts() });
    expect((await control(url, 'GET', '/truth/daily-subscription-costs')).body).toEqual({ data: sim.truth.dailySubscriptionCosts() });
    expect((await control(url, 'GET', '/truth/customers')).body).toEqual({ data: sim.truth.customers() });
    expect((await control(url, 'GET', '/truth/plans')).body).toEqual({ data: sim.truth.plans() });
    expect((await control(url, 'GET', '/truth/prices')).body).toEqual({ data: sim.truth.prices() });
    expect((await control(url, 'GET', '/truth/schedules')).body).toEqual({ data: sim.truth.schedules() });
    expect((await control(url, 'GET', '/truth/daily-usage')).body).toEqual({ data: sim.truth.dailyUsage() });
  });

  it('serves grouped daily usage for the group_by property, which it requires and only it takes', async () => {
    const { sim, url } = await start();
    const id = sim.truth.subscriptions().find((s) => s.status === 'active')!.id;
    const rows = (await control(url, 'GET', `/truth/daily-usage-by-group?group_by=region&subscription_id=${id}&from=2025-03-10`)).body.data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(sim.truth.dailyUsageByGroup('region').filter((r) => r.subscription_id === id && r.day >= '2025-03-10'));
    expect(await control(url, 'GET', '/truth/daily-usage-by-group')).toEqual({ status: 400, body: { error: 'group_by is required for daily-usage-by-group' } });
    expect((await control(url, 'GET', '/truth/daily-usage?group_by=region')).status).toBe(400);
  });

  it('filters by subscription_id (repeatable) and by day, from inclusive to exclusive', async () => {
    const { sim, url } = await start();
    const [a, b] = sim.truth.subscriptions().filter((s) => s.status === 'active' && s.start_date < '2025-02-01');
    const ids = [a!.id, b!.id];
    const query = `subscription_id=${a!.id}&subscription_id=${b!.id}`;
    expect((await control(url, 'GET', `/truth/subscriptions?${query}`)).body.data).toEqual([a, b]);

    const rows = (await control(url, 'GET', `/truth/daily-costs?${query}&from=2025-03-01&to=2025-03-08`)).body.data;
    const expected = sim.truth
      .dailyCosts()
      .filter((r) => ids.includes(r.subscription_id) && r.day >= '2025-03-01' && r.day < '2025-03-08');
    expect(rows).toEqual(expected);
    expect(new Set(rows.map((r: { day: string }) => r.day))).toEqual(
      new Set(['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07']),
    );
    const totals = (await control(url, 'GET', '/truth/daily-subscription-costs?from=2025-03-14')).body.data;
    expect(totals.length).toBeGreaterThan(0);
    expect(totals).toEqual(sim.truth.dailySubscriptionCosts().filter((r) => r.day >= '2025-03-14'));
  });

  it('rejects bad filters with a 400', async () => {
    const { url } = await start();
    for (const query of ['from=2025-3-1', 'to=yesterday', 'from=2025-02-30x', 'subscription=sub_1']) {
      const response = await control(url, 'GET', `/truth/daily-costs?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body).toEqual({ error: expect.any(String) });
    }
  });
});

describe('orb-sync simulate', () => {
  const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');

  /** Starts the built CLI and resolves with its URL once it listens; the caller kills it. */
  function simulate(args: string[]): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [BIN, 'simulate', '--port', '0', ...args]);
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        const url = /listening on (\S+)/.exec(chunk.toString())?.[1];
        if (url) resolve({ child, url });
      });
    });
  }

  it('serves the faults its flags ask for, and the control API', async () => {
    const { child, url } = await simulate(['--seed', '3', '--error-rate', '1', '--latency-ms', '50', '--rate-limits']);
    try {
      const started = performance.now();
      expect(await statusOf(url)).toBeGreaterThanOrEqual(500);
      expect(performance.now() - started).toBeGreaterThanOrEqual(50);
      expect((await control(url, 'GET', '/requests')).body).toMatchObject({ total: 1, log: [{ fault: 'status' }] });
    } finally {
      child.kill();
    }
  });

  it('reflects a closed backfill only after --backfill-reflect-requests more requests', async () => {
    const { child, url } = await simulate(['--now', '2025-03-15T10:00:00Z', '--backfill-reflect-requests', '3']);
    try {
      const orb = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}/v1${path}`, {
          method,
          headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return (await response.json()) as { id: string; status: string };
      };
      const { id } = await orb('POST', '/events/backfills', { timeframe_start: '2025-03-10T00:00:00Z', timeframe_end: '2025-03-11T00:00:00Z' });
      expect((await orb('POST', `/events/backfills/${id}/close`)).status).toBe('pending');
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push((await orb('GET', `/events/backfills/${id}`)).status);
      expect(seen).toEqual(['pending', 'pending', 'reflected']);
    } finally {
      child.kill();
    }
  });

  it('rejects bad fault flags with one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--error-rate', '1.5'], /--error-rate/],
      [['--hang-rate=-0.1'], /--hang-rate/],
      [['--reset-rate', '1e-2'], /--reset-rate/],
      [['--latency-ms=-5'], /--latency-ms/],
      [['--jitter-ms', 'lots'], /--jitter-ms/],
      [['--backfill-reflect-requests=-1'], /--backfill-reflect-requests/],
      [['--backfill-reflect-ms', '1.5'], /--backfill-reflect-ms/],
      [['--error-rate', '0.6', '--malformed-rate', '0.6'], /errorRate \+ resetRate \+ hangRate \+ malformedRate/],
    ];
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'simulate', '--port', '0', ...args], { timeout: 30_000 }, (error, _stdout, stderr) =>
          resolve({ code: error ? (error.code as number) : 0, stderr }),
        );
      });
    const results = await Promise.all(cases.map(([args]) => run(args)));
    cases.forEach(([args, message], i) => {
      expect(results[i]!.code, args.join(' ')).toBe(1);
      expect(results[i]!.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    });
  });
});
