import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAccount } from '../../src/simulator/account.js';
import { ENGINES } from '../helpers/engines.js';
import { backfill } from '../helpers/orb-changes.js';
import { factsIn, simulatedAccounts, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');
const NOW = '2026-10-20T04:00:00Z';
const SHAPE = { seed: 6, customers: 5, subscriptions: 8, days: 90 };
const DAY_MS = 86_400_000;

/**
 * Runs `orb-sync sync` in a child process and SIGKILLs it `delayMs` after it starts restating,
 * as a crash would (no cleanup of any kind). Resolves when the process is gone.
 */
function syncKilledWhileRestating(env: Record<string, string>, delayMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sync'], { env: { PATH: process.env.PATH!, ...env } });
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!timer && output.includes('"msg":"restating"')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

describe.each(ENGINES)('a sync killed during a backfill restatement, on $name', (engine) => {
  const account = simulatedAccounts(engine);

  it('leaves the old facts or the new ones; the next run completes the restatement once, exactly', async () => {
    const { target, schema, simulator, baseUrl } = await account({ ...SHAPE, now: NOW });
    await syncFrom(baseUrl, target, schema);
    const before = await withDestination(target, schema, factsIn);

    const generated = generateAccount({ ...SHAPE, now: new Date(NOW) });
    const customer = generated.customers.find((c) => generated.subscriptionsByCustomer.get(c)?.length)!;
    const metric = generated.catalogue.metrics[0]!;
    const from = new Date(Date.parse(NOW) - 40 * DAY_MS);
    const id = await backfill(baseUrl, {
      from,
      to: new Date(from.getTime() + 6 * DAY_MS),
      events: [{ eventName: metric.eventName, timestamp: new Date(from.getTime() + 7_200_000), properties: { [metric.property]: 987_654 }, customerId: customer.id }],
    });

    // Slow enough for the kills to land inside the restatement: its re-read is a request per subscription.
    simulator.faults.configure({ latencyMs: 40 });
    const destination = target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url;
    const env = { ORB_API_KEY: 'k', ORB_BASE_URL: baseUrl, ORB_SYNC_DESTINATION: destination, ORB_SYNC_SCHEMA: schema, ORB_SYNC_CONCURRENCY: '1' };
    let kills = 0;
    for (const delayMs of [0, 150, 420]) {
      const { killed } = await syncKilledWhileRestating(env, delayMs);
      if (!killed) break;
      kills += 1;
      // Whatever instant it died at, the facts are the old ones or the new ones, never a mix.
      const facts = await withDestination(target, schema, factsIn);
      const truth = simulatorTruth(simulator);
      expect([JSON.stringify(before.dailyCosts), JSON.stringify(truth.dailyCosts())]).toContain(JSON.stringify(facts.dailyCosts));
    }
    expect(kills).toBeGreaterThan(0);

    simulator.faults.clear();
    await syncFrom(baseUrl, target, schema);
    const truth = simulatorTruth(simulator);
    const facts = await withDestination(target, schema, factsIn);
    expect(facts.dailyCosts).toEqual(truth.dailyCosts());
    expect(facts.dailySubscriptionCosts).toEqual(truth.dailySubscriptionCosts());
    const restated = await withDestination(target, schema, (d) =>
      d.query<{ status: string; n: string }>(
        "select status, count(*) as n from restatements where backfill_id = $1 and reason = 'reflected' group by status",
        [id],
      ),
    );
    expect(restated).toEqual([{ status: 'done', n: '1' }]);
  });
});
