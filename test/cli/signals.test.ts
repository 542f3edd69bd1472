import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');

/** Starts `orb-sync sync` as a child process and sends `signal` once the costs stream is under way. */
function syncThenSignal(env: Record<string, string>, signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sync'], { env: { PATH: process.env.PATH!, ...env } });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && /"stream":"subscription_costs","done"/.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.each(ENGINES)('orb-sync sync stopped by a signal, into $name', (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: exits 143/130 with one line, records the run cancelled, releases the lock', async (signal) => {
    const { target, schema, cleanup } = await engine.fresh();
    // Slow enough that the signal lands mid-stream: 40 subscriptions at 25 ms a request, one at a time.
    const simulator: Simulator = createSimulator({ seed: 9, customers: 8, subscriptions: 40, days: 30, now: '2026-07-01T00:00:00Z' });
    simulator.faults.configure({ latencyMs: 25 });
    const baseUrl = await simulator.listen();
    cleanups.push(async () => {
      await simulator.close();
      await cleanup();
    });
    const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
    const result = await syncThenSignal(
      { ORB_API_KEY: 'k', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: destination, ORB_SYNC_SCHEMA: schema, ORB_SYNC_CONCURRENCY: '1' },
      signal,
    );
    expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('orb-sync sync:'));
    expect(errors).toEqual([
      `orb-sync sync: ${signal} received; stopping cleanly (send it again to stop at once)`,
      `orb-sync sync: cancelled by ${signal}; work committed before it is kept`,
    ]);
    const runs = await withDestination(target, schema, (d) => d.query<{ status: string; rows_loaded: string }>('select status, rows_loaded from sync_runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('cancelled');
    expect(Number(runs[0]!.rows_loaded)).toBeGreaterThan(0);

    // The lock is free, and the next run completes what the cancelled one left.
    simulator.faults.clear();
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
  });
});
