import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { RejectedRecordsError, UserError } from '../../src/errors.js';
import { createSimulator } from '../../src/simulator/index.js';
import { runSync } from '../../src/sync/run-sync.js';
import { ENGINES, postgresUrl } from '../helpers/engines.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const SHAPE = { seed: 12, customers: 5, subscriptions: 8, days: 40 };
const NOW = '2026-08-20T09:00:00Z';

/** Windows of a costs response, for mutations. */
type CostsBody = { data: Array<{ timeframe_end: string; total: string; per_price_costs: Array<{ total: string }> }> };

describe.each(ENGINES)('no wrong number exits 0, nothing crashes: $name', (engine) => {
  const account = simulatedAccounts(engine);

  const setUp = (options: { now?: string } = {}) => account({ ...SHAPE, now: options.now ?? NOW });

  it('rejects only the day with an amount like "1e5", keeps the other days, holds the cursor, exits non-zero naming it', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    const victim = simulator.truth
      .subscriptions()
      .filter((s) => s.status === 'active')
      .sort((a, b) => (a.start_date < b.start_date ? -1 : 1))[0]!;
    let badDay = '';
    simulator.faults.inject({
      path: `/subscriptions/${victim.id}/costs`,
      kind: 'mutate',
      mutate: (body) => {
        const costs = body as CostsBody;
        const window = costs.data[Math.floor(costs.data.length / 2)]!;
        badDay = window.timeframe_end;
        window.total = '1e5';
        return costs;
      },
    });
    const failure = await syncFrom(baseUrl, target, schema).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RejectedRecordsError);
    expect((failure as Error).message).toMatch(new RegExp(`stream subscription_costs, ${victim.id}: window ending ${badDay}.*total: not a plain decimal amount`));

    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    const others = (rows: string[]) => rows.filter((row) => !row.includes(`|subscription_id=${victim.id}|`));
    expect(others(facts.dailyCosts)).toEqual(others(truth.dailyCosts()));
    // The victim: every day but the rejected one and the next (whose change from it is unknown), exact.
    const victims = (rows: string[]) => rows.filter((row) => row.includes(`|subscription_id=${victim.id}|`));
    const kept = victims(facts.dailySubscriptionCosts);
    expect(kept.length).toBe(victims(truth.dailySubscriptionCosts()).length - 2);
    for (const row of kept) expect(truth.dailySubscriptionCosts()).toContain(row);
    const run = await withDestination(target, schema, (d) => d.query<{ status: string; rows_loaded: string }>('select status, rows_loaded from sync_runs'));
    expect(run[0]!.status).toBe('failed');
    expect(Number(run[0]!.rows_loaded)).toBeGreaterThan(0);
    const rejects = await withDestination(target, schema, (d) => d.query<{ stream: string; partition_key: string }>('select stream, partition_key from rejects'));
    expect(rejects).toEqual([{ stream: 'subscription_costs', partition_key: victim.id }]);

    // Fixed at the source: the next sync reads the day again and every fact is exact.
    await syncFrom(baseUrl, target, schema);
    const healed = await withDestination(target, schema, factsIn);
    expect(healed.dailyCosts).toEqual(truth.dailyCosts());
    expect(healed.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
  });

  it('a 200 HTML page (a proxy error) at the key check: one line naming it, nothing created', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    simulator.faults.inject({ path: '/subscriptions', kind: 'html', times: Infinity });
    const failure = await syncFrom(baseUrl, target, schema, { maxRetries: '1' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as Error).message).toMatch(/checking the API key.*Orb answered 200 with a body without a "data" list \(text\/html.*<!doctype html>.* after 2 attempts/i);
    if (target.engine === 'duckdb') {
      expect(existsSync(target.path)).toBe(false);
    } else {
      const client = new pg.Client({ connectionString: postgresUrl() });
      await client.connect();
      const { rows } = await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
      await client.end();
      expect(rows).toEqual([]);
    }
  });

  it('an HTML page mid-sync is retried like a 5xx, and the facts are exact', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    simulator.faults.inject({ path: /\/costs$/, kind: 'html', times: 2 });
    simulator.faults.inject({ path: '/plans', kind: 'html', times: 1 });
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    expect((await withDestination(target, schema, factsIn)).dailyCosts).toEqual(truth.dailyCosts());
  });

  it('stops a listing whose cursor changes on every page while the data repeats', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    simulator.faults.inject({ path: '/customers', kind: 'repeat-page', times: Infinity });
    await expect(syncFrom(baseUrl, target, schema)).rejects.toThrow(/GET customers: Orb returned cus_\w+ on two pages of one listing; pagination does not advance/);
    expect(simulator.requests.log().filter((r) => r.path === '/customers').length).toBeLessThanOrEqual(3);
  });

  it('abandons a hung request after --request-timeout, logs what timed out, and retries it', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    simulator.faults.inject({ path: /\/costs$/, kind: 'hang', times: 1 });
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
    const settings = loadSettings({ env: {}, flags: { baseUrl, destination, schema, requestTimeout: '1', analyticsRps: '1000', rps: '1000' } });
    await runSync({ ...settings, apiKey: 'k', minRetryDelayMs: 20 }, log);
    expect(lines.some((line) => /Orb request timed out; retrying/.test(line) && /subscription_costs sub_\w+: no answer from Orb within 1 s/.test(line))).toBe(true);
    expect((await withDestination(target, schema, factsIn)).dailyCosts).toEqual(simulatorTruth(simulator).dailyCosts());
  });

  it("follows Orb's clock, not this machine's: an Orb three days ahead loses no day", async () => {
    const ahead = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3 * 86_400_000).toISOString();
    const { target, schema, simulator, baseUrl } = await setUp({ now: ahead });
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
  });
});

describe('a DuckDB file named after the schema (orb.duckdb, schema orb)', () => {
  it('syncs, and the facts are readable as orb.orb.fct_daily_costs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orb-sync-'));
    const simulator = createSimulator({ ...SHAPE, now: NOW });
    try {
      const target = { engine: 'duckdb' as const, path: join(dir, 'orb.duckdb') };
      await syncFrom(await simulator.listen(), target, 'orb');
      const truth = simulatorTruth(simulator);
      expect((await withDestination(target, 'orb', factsIn)).dailyCosts).toEqual(truth.dailyCosts());
      const rows = await withDestination(target, 'orb', (d) => d.query<{ n: string }>('select count(*) as n from orb.orb.fct_daily_costs'));
      expect(rows).toEqual([{ n: String(truth.dailyCosts().length) }]);
    } finally {
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
