import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';
import { byLabel, sampleValue } from '../service/prometheus.js';
import { eventually, startSchedule, syncEnv, type ScheduleProcess } from '../service/schedule-process.js';

const EVERY_SECOND = '* * * * * *';

describe.each(ENGINES)('orb-sync schedule into $name', (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp() {
    const fresh = await engine.fresh();
    const simulator: Simulator = createSimulator({ seed: 9, customers: 4, subscriptions: 6, days: 20, now: '2026-07-01T00:00:00Z' });
    const baseUrl = await simulator.listen();
    cleanups.push(async () => {
      await simulator.close();
      await fresh.cleanup();
    });
    return { ...fresh, simulator, baseUrl };
  }

  function schedule(args: string[], env: Record<string, string>): ScheduleProcess {
    const service = startSchedule(args, env);
    cleanups.push(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
    });
    return service;
  }

  it('syncs on every tick, never two at once; survives a failed sync; skips a tick during a slow one; tells true figures; stops cleanly on SIGTERM', async () => {
    const { target, schema, simulator, baseUrl } = await setUp();
    const service = schedule(['--cron', EVERY_SECOND, '--listen', '127.0.0.1:0'], { ...syncEnv(baseUrl, target, schema), ORB_SYNC_MAX_RETRIES: '0' });
    const runsByStatus = async () => byLabel((await service.metrics()).samples, 'orb_sync_runs_total', 'status');

    // Three ticks, three syncs, one after the other.
    await eventually(async () => expect((await runsByStatus()).succeeded).toBeGreaterThanOrEqual(3));
    const started = service.logs().filter((line) => line.msg === 'sync started');
    expect(started.slice(0, 3).map((line) => line.trigger)).toEqual(['schedule', 'schedule', 'schedule']);
    const { body: healthy, status } = await service.health();
    expect(status).toBe(200);
    expect(healthy).toMatchObject({ status: 'ok', last_run: { status: 'succeeded', trigger: 'schedule' } });
    expect(Date.parse(healthy.next_run)).toBeGreaterThan(Date.parse(healthy.last_run!.started_at));

    // The API calls the metrics count are the calls the simulator received: read both while no sync runs.
    await eventually(async () => {
      const before = await service.health();
      const { samples } = await service.metrics();
      const received = simulator.requests.countsByEndpoint();
      const after = await service.health();
      expect([before.body.running, after.body.running]).toEqual([false, false]);
      expect(after.body.last_run).toEqual(before.body.last_run);
      expect(byLabel(samples, 'orb_sync_api_calls_total', 'endpoint')).toEqual(received);
    });

    // A sync that fails (Orb answers 500 to every /plans request) is logged; /healthz says so; the schedule goes on.
    simulator.faults.inject({ kind: 'status', status: 500, path: '/plans', times: Infinity });
    const failing = await eventually(async () => {
      const health = await service.health();
      expect(health.body.status).toBe('failing');
      return health;
    });
    expect(failing.status).toBe(503);
    expect(failing.body.last_run).toMatchObject({ status: 'failed', error: expect.stringContaining('GET plans: Orb answered 500') });
    expect(service.logs().some((line) => line.msg === 'sync failed; the schedule goes on')).toBe(true);
    expect(sampleValue((await service.metrics()).samples, 'orb_sync_consecutive_failures')).toBeGreaterThanOrEqual(1);
    simulator.faults.clear();
    await eventually(async () => expect((await service.health()).body).toMatchObject({ status: 'ok', last_run: { status: 'succeeded' } }));
    expect(sampleValue((await service.metrics()).samples, 'orb_sync_consecutive_failures')).toBe(0);

    // A slow sync: the ticks during it are skipped, and logged.
    const logsBefore = service.logs().length;
    simulator.faults.configure({ latencyMs: 500 });
    // SIGTERM comes mid-sync: once it is recorded in sync_runs and under way (a stream done), before its models.
    await eventually(() => {
      const logs = service.logs();
      expect(logs.slice(logsBefore).some((line) => line.msg === 'scheduled sync skipped: the previous sync is still running')).toBe(true);
      const current = logs.slice(logs.map((line) => line.msg).lastIndexOf('sync started'));
      expect(current.some((line) => line.msg === 'stream done')).toBe(true);
      expect(current.some((line) => line.msg === 'facts built')).toBe(false);
    });
    const { samples: figures } = await service.metrics();
    expect(sampleValue(figures, 'orb_sync_running')).toBe(1);
    expect(sampleValue(figures, 'orb_sync_skipped_ticks_total')).toBeGreaterThanOrEqual(1);

    // SIGTERM mid-sync: exit 143, the sync recorded as cancelled.
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(143);
    expect(service.stderr().split('\n').filter((line) => line.startsWith('orb-sync schedule:'))).toEqual([
      'orb-sync schedule: SIGTERM received; stopping cleanly (send it again to stop at once)',
      'orb-sync schedule: cancelled by SIGTERM; work committed before it is kept',
    ]);
    const runs = await withDestination(target, schema, (d) =>
      d.query<{ status: string; rows_loaded: string | number }>('select status, rows_loaded from sync_runs order by run_id'),
    );
    expect(runs.at(-1)!.status).toBe('cancelled');
    // The figures at the last scrape are those of every run that had ended by then: all but the cancelled one.
    const ended = runs.slice(0, -1);
    const count = (wanted: string) => ended.filter((run) => run.status === wanted).length;
    expect(byLabel(figures, 'orb_sync_runs_total', 'status')).toEqual({ succeeded: count('succeeded'), failed: count('failed'), cancelled: 0 });
    const rowsLoaded = ended.filter((run) => run.status === 'succeeded').reduce((sum, run) => sum + Number(run.rows_loaded), 0);
    expect(Object.values(byLabel(figures, 'orb_sync_rows_loaded_total', 'table')).reduce((a, b) => a + b, 0)).toBe(rowsLoaded);
    expect(rowsLoaded).toBeGreaterThan(0);
    const lastSuccess = sampleValue(figures, 'orb_sync_last_success_timestamp_seconds')!;
    expect(lastSuccess).toBeGreaterThan(Date.parse(healthy.last_run!.started_at) / 1000);

    // The lock is free: the next sync completes what the cancelled one left, and the facts are exact.
    simulator.faults.clear();
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
  });
});

describe('orb-sync schedule refuses a bad configuration at the start', () => {
  it.each([
    [[], { ORB_API_KEY: 'k' }, 'orb-sync schedule: --cron is required, e.g. --cron "0 * * * *" for every hour'],
    [['--cron', 'every hour'], { ORB_API_KEY: 'k' }, 'orb-sync schedule: invalid --cron "every hour": '],
    [['--cron', '0 0 30 2 *'], { ORB_API_KEY: 'k' }, 'orb-sync schedule: invalid --cron "0 0 30 2 *": '],
    [['--cron', '* * * * * *'], {}, 'orb-sync schedule: ORB_API_KEY is not set'],
    [['--cron', '* * * * * *', '--rps', 'fast'], { ORB_API_KEY: 'k' }, 'orb-sync schedule: invalid ORB_SYNC_RPS (--rps)'],
    [['--cron', '* * * * * *', '--listen', '9464'], { ORB_API_KEY: 'k' }, 'orb-sync schedule: --listen must be HOST:PORT'],
    [['--cron', '* * * * * *', '--listen', '192.0.2.1:9464'], { ORB_API_KEY: 'k' }, 'orb-sync schedule: cannot listen on 192.0.2.1:9464: no such address here'],
  ])('%j %j: exits 1 with one line', async (args, env, message) => {
    const service = startSchedule(args, { ...env, ORB_SYNC_DESTINATION: 'duckdb:/nonexistent/never-written.duckdb' });
    expect(await service.exited).toBe(1);
    const lines = service.stderr().split('\n').filter((line) => line.startsWith('orb-sync'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(lines[0]).not.toContain('\n');
  });
});

describe('orb-sync schedule --help', () => {
  it('describes --cron, --listen and every setting, without loading the service, DuckDB, pg or cron', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orb-sync-schedule-help-'));
    try {
      const log = join(dir, 'imports.log');
      const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../../bin/orb-sync.js'), 'schedule', '--help'], {
        env: { PATH: process.env.PATH!, NODE_OPTIONS: `--import=${pathToFileURL(join(import.meta.dirname, 'record-imports.mjs')).href}`, IMPORT_LOG: log },
      });
      for (const flag of ['--cron EXPR', '--listen HOST:PORT', ...Object.values(SETTINGS).map((setting) => `--${setting.flag} ${setting.value}`)]) {
        expect(stdout).toContain(`  ${flag} `);
      }
      const imports = readFileSync(log, 'utf8').split('\n');
      expect(imports).toContainEqual(expect.stringMatching(/\/dist\/cli\/schedule-command\.js$/));
      expect(imports.filter((url) => /\/node_modules\/(@duckdb|pg|kysely|orb-billing|cron|luxon)\/|\/dist\/(service|sync|destinations)\//.test(url))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
