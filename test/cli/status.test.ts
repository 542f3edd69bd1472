import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Orb from 'orb-billing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { DestinationStatus } from '../../src/status/read-status.js';
import { STAGING_TABLES } from '../../src/schema/staging.js';
import { STREAMS } from '../../src/streams/index.js';
import { ENGINES } from '../helpers/engines.js';
import { restateFrom, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');
const run = promisify(execFile);
const NOW = '2026-06-01T06:00:00Z';
const DAY_MS = 86_400_000;

function destinationSetting(target: DestinationTarget): string {
  return target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
}

/** `orb-sync status` as a user runs it: the built CLI, the destination from the environment, no API key. */
async function status(target: DestinationTarget, schema: string, args: string[] = []) {
  const env = { PATH: process.env.PATH!, ORB_SYNC_DESTINATION: destinationSetting(target), ORB_SYNC_SCHEMA: schema };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'status', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

async function statusJson(target: DestinationTarget, schema: string): Promise<DestinationStatus> {
  const result = await status(target, schema, ['--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as DestinationStatus;
}

const streamOf = (report: DestinationStatus, name: string) => report.streams!.find((s) => s.stream === name)!;

/** The keys of a JSON document, nested ones included, but not those of records keyed by data (endpoints, partitions). */
function jsonKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(jsonKeys);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...(['apiCallsByEndpoint', 'cursors'].includes(key) ? [] : jsonKeys(inner))]);
}

describe.each(ENGINES)('orb-sync status on $name', (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(options: SimulatorOptions = {}) {
    const fresh = await engine.fresh();
    const simulator: Simulator = createSimulator({ seed: 6, customers: 5, subscriptions: 8, days: 40, now: NOW, ...options });
    const baseUrl = await simulator.listen();
    cleanups.push(async () => {
      await simulator.close();
      await fresh.cleanup();
    });
    return { ...fresh, simulator, baseUrl };
  }

  async function schemaExists(target: DestinationTarget, schema: string): Promise<boolean> {
    if (target.engine === 'duckdb') return existsSync(target.path);
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      return (await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema])).rowCount === 1;
    } finally {
      await client.end();
    }
  }

  it('an untouched destination: says so, exits 0, and creates nothing', async () => {
    const { target, schema } = await engine.fresh().then((fresh) => (cleanups.push(fresh.cleanup), fresh));
    const text = await status(target, schema);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('No sync has run here yet: nothing to report.');
    const report = await statusJson(target, schema);
    expect(report).toMatchObject({ state: 'untouched', syncRunning: false, streams: null, runs: null, staging: null, facts: null });
    expect(await schemaExists(target, schema)).toBe(false);
  });

  it('a synced destination: the figures of its tables and of the simulator request log, written by nobody', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    await syncFrom(baseUrl, target, schema);
    const report = await statusJson(target, schema);
    const tables = await withDestination(target, schema, async (d) => ({
      runs: await d.query<{ run_id: string; rows_loaded: string; status: string }>('select run_id, rows_loaded, status from sync_runs'),
      staging: Object.fromEntries(
        await Promise.all(STAGING_TABLES.map(async ({ name }) => [name, Number((await d.query<{ n: string }>(`select count(*) as n from ${name}`))[0]!.n)])),
      ),
      costsState: await d.query<{ cursor_value: string }>("select cursor_value from sync_state where stream = 'subscription_costs'"),
      costs: (await d.query<{ n: string; newest: string }>('select count(*) as n, max(day) as newest from fct_daily_costs'))[0]!,
      volume: (await d.query<{ n: string; newest: string }>('select count(*) as n, max(hour) as newest from fct_hourly_event_volume'))[0]!,
    }));

    expect(report).toMatchObject({ state: 'ready', syncRunning: false, pendingMigrations: [] });
    expect(tables.runs).toHaveLength(1); // status recorded no run of its own
    expect(report.runs).toEqual([
      expect.objectContaining({
        runId: 1,
        command: 'sync',
        status: 'succeeded',
        rowsLoaded: Number(tables.runs[0]!.rows_loaded),
        apiCalls: simulator.requests.count(),
        apiCallsByEndpoint: simulator.requests.countsByEndpoint(),
        error: null,
      }),
    ]);
    expect(report.runs![0]!.durationMs).toBeGreaterThan(0);
    expect(Object.fromEntries(report.staging!.map((t) => [t.table, t.rows]))).toEqual(tables.staging);
    expect(report.facts!.tables.find((t) => t.table === 'fct_daily_costs')).toEqual({ table: 'fct_daily_costs', rows: Number(tables.costs.n), newest: tables.costs.newest });
    expect(report.facts!.tables.find((t) => t.table === 'fct_hourly_event_volume')).toEqual({
      table: 'fct_hourly_event_volume',
      rows: Number(tables.volume.n),
      newest: tables.volume.newest,
    });
    expect(report.streams!.map((s) => s.stream)).toEqual(STREAMS.map((s) => s.name));
    for (const stream of report.streams!) {
      expect(stream.lastSuccess?.runId, stream.stream).toBe(1);
      expect(stream.rejectsPending, stream.stream).toBe(0);
    }
    const ends = tables.costsState.map((row) => (JSON.parse(row.cursor_value) as { end: string }).end).sort();
    expect(streamOf(report, 'subscription_costs').partitions).toEqual({ count: tables.costsState.length, oldest: ends[0], newest: ends.at(-1) });
    expect(streamOf(report, 'subscriptions').cursors).toEqual({ '*': expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(report.backfills).toEqual({ pendingInOrb: [], notRestated: [] });
    expect(report.restatementsPending).toEqual([]);

    // Every key --json prints is documented in the README.
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const statusSection = readme.slice(readme.indexOf('### Checking on it'), readme.indexOf('\n### ', readme.indexOf('### Checking on it') + 1));
    expect([...new Set(jsonKeys(report))].filter((key) => !statusSection.includes(`\`${key}\``))).toEqual([]);

    const text = await status(target, schema, ['--runs', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('No sync is running.');
    expect(text.stdout).toMatch(new RegExp(`\\n {2}subscription_costs +#1 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ \\((just now|\\d+ min ago)\\) +0 {2}${tables.costsState.length} partitions, through `));
    expect(text.stdout).toMatch(new RegExp(`\\n {2}#1 +sync .* ${report.runs![0]!.rowsLoaded!.toLocaleString('en-US')} +${simulator.requests.count()} {2}succeeded\\n`));
    expect(text.stdout).toMatch(new RegExp(`\\n {2}fct_daily_costs +${Number(tables.costs.n).toLocaleString('en-US')} {2}${tables.costs.newest}\\n`));
  });

  it('a failed destination: the failed run, and its rejects pending until a sync succeeds', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    await syncFrom(baseUrl, target, schema);
    const subscription = simulator.truth.subscriptions().find((s) => s.status === 'active')!;
    simulator.faults.inject({
      path: `/subscriptions/${subscription.id}/costs`,
      kind: 'mutate',
      mutate: (body) => {
        (body as { data: Array<{ total: string }> }).data[0]!.total = '1e5';
        return body;
      },
    });
    await expect(syncFrom(baseUrl, target, schema)).rejects.toThrow(/failed validation/);

    const failed = await statusJson(target, schema);
    const rejects = await withDestination(target, schema, (d) => d.query<{ n: string }>("select count(*) as n from rejects where stream = 'subscription_costs'"));
    expect(Number(rejects[0]!.n)).toBeGreaterThan(0);
    expect(failed.runs!.map((r) => [r.runId, r.status])).toEqual([[2, 'failed'], [1, 'succeeded']]);
    expect(failed.runs![0]!.error).toMatch(/failed validation.*subscription_costs/);
    const costs = streamOf(failed, 'subscription_costs');
    expect(costs).toMatchObject({ lastSuccess: { runId: 1 }, rejectsPending: Number(rejects[0]!.n), latestReject: { runId: 2, partition: subscription.id } });
    expect(costs.latestReject!.reason).toMatch(/total/);
    expect(failed.streams!.filter((s) => s.rejectsPending > 0).map((s) => s.stream)).toEqual(['subscription_costs']);
    const text = await status(target, schema);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  subscription_costs: ${rejects[0]!.n} rejected since its last success, the next sync reads them again; newest (run #2, ${subscription.id}): `);
    expect(text.stdout).toMatch(/\n {2}#2 +sync .* failed: \d+ record\(s\) failed validation/);

    await syncFrom(baseUrl, target, schema);
    const recovered = await statusJson(target, schema);
    expect(streamOf(recovered, 'subscription_costs')).toMatchObject({ lastSuccess: { runId: 3 }, rejectsPending: 0, latestReject: null });
  });

  it('backfills Orb has not reflected, reflected ones not restated yet, and restatements pending', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    await syncFrom(baseUrl, target, schema);
    const orb = new Orb({ apiKey: 'k', baseURL: baseUrl, maxRetries: 0 });
    const { id: backfillId } = await orb.events.backfills.create({
      timeframe_start: new Date(Date.parse(NOW) - 10 * DAY_MS).toISOString(),
      timeframe_end: new Date(Date.parse(NOW) - 9 * DAY_MS).toISOString(),
    });
    await syncFrom(baseUrl, target, schema);
    expect((await statusJson(target, schema)).backfills).toEqual({
      pendingInOrb: [expect.objectContaining({ backfillId, status: 'pending', customerId: null })],
      notRestated: [],
    });

    // Reflected during the next sync, which fails after reading it and before requesting its restatement.
    await orb.events.backfills.close(backfillId);
    simulator.faults.inject({ path: '/events/volume', kind: 'status', status: 500, times: Infinity });
    await expect(syncFrom(baseUrl, target, schema)).rejects.toThrow();
    simulator.faults.clear();
    const seen = await statusJson(target, schema);
    expect(seen.backfills).toEqual({ pendingInOrb: [], notRestated: [expect.objectContaining({ backfillId, status: 'reflected', restatementId: null })] });

    // A manual restatement whose re-read fails stays pending.
    const subscription = simulator.truth.subscriptions().find((s) => s.status === 'active')!;
    simulator.faults.inject({ path: `/subscriptions/${subscription.id}/costs`, kind: 'status', status: 500, times: Infinity });
    const request = { from: '2026-05-20', to: '2026-05-21', customers: [], subscriptions: [subscription.id] };
    await expect(restateFrom(baseUrl, target, schema, request)).rejects.toThrow();
    simulator.faults.clear();
    const pending = await statusJson(target, schema);
    expect(pending.restatementsPending).toEqual([expect.objectContaining({ trigger: 'manual', backfillId: null, dayFrom: '2026-05-20', dayTo: '2026-05-22', subscriptions: 1 })]);
    const text = await status(target, schema);
    expect(text.stdout).toContain(`  reflected or reverted, not restated yet: ${backfillId} reflected (the next sync requests its restatement)`);
    expect(text.stdout).toMatch(/ {2}restatements pending \(the next sync or restate completes them\): #\d+ manual, 1 subscriptions, days 2026-05-20 to 2026-05-22 \(exclusive\)/);

    await syncFrom(baseUrl, target, schema);
    const done = await statusJson(target, schema);
    expect(done.backfills).toEqual({ pendingInOrb: [], notRestated: [] });
    expect(done.restatementsPending).toEqual([]);
  });

  it('while a sync runs: answers at once and says so; a sync killed mid-run shows as interrupted', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    // The sync stays in the middle of its costs stream until it is killed: Orb never answers there.
    simulator.faults.inject({ kind: 'hang', path: /\/costs$/, times: Infinity });
    const sync = await syncInChild(target, schema, baseUrl);
    cleanups.push(async () => void sync.kill('SIGKILL'));

    const report = await statusJson(target, schema);
    const text = await status(target, schema);
    expect(sync.exitCode, 'status returned while the sync still ran').toBeNull();
    expect(report.syncRunning).toBe(true);
    if (engine.name === 'postgres') {
      // PostgreSQL reads what the sync has committed so far.
      expect(report.state).toBe('ready');
      expect(report.runs!.map((r) => r.status)).toEqual(['running']);
      expect(text.stdout).toContain('A sync is running now (it holds the lock); what it has committed so far shows below.');
    } else {
      expect(report).toMatchObject({ state: 'locked', streams: null, runs: null });
      expect(text.stdout).toContain('A sync is running (the DuckDB file is locked).');
      expect(text.stdout).toContain('cannot be read until the sync ends');
    }
    expect(text.code).toBe(0);

    sync.kill('SIGKILL');
    await new Promise((resolve) => sync.once('close', resolve));
    const after = await statusJson(target, schema);
    expect(after).toMatchObject({ state: 'ready', syncRunning: false });
    expect(after.runs!.map((r) => [r.status, r.finishedAt, r.apiCalls])).toEqual([['interrupted', null, null]]);
  });
});

/** Starts `orb-sync sync` in a child process; resolves once every stream before the costs has committed. */
function syncInChild(target: DestinationTarget, schema: string, baseUrl: string): Promise<ChildProcess> {
  const env = {
    PATH: process.env.PATH!,
    ORB_API_KEY: 'k',
    ORB_BASE_URL: `${baseUrl}`,
    ORB_SYNC_DESTINATION: destinationSetting(target),
    ORB_SYNC_SCHEMA: schema,
    ORB_SYNC_REQUEST_TIMEOUT: '600',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sync'], { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/"stream":"subscription_usage_groups".*"msg":"stream done"/.test(stderr)) resolve(child);
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`the sync ended (${code}) before it was caught running:\n${stderr}`)));
  });
}
