import { describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { SyncScheduler, type FinishedRun } from '../../src/service/scheduler.js';
import type { RunSummary } from '../../src/sync/run-summary.js';

/** Syncs the test ends by hand, counting how many ran at once. */
function controlledSyncs() {
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  const finished: FinishedRun[] = [];
  let skipped = 0;
  const scheduler = new SyncScheduler({
    sync: () => {
      inFlight += 1;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      return new Promise((resolve, reject) => {
        const done = () => (inFlight -= 1);
        pending.push({
          resolve: () => (done(), resolve({ runId: String(finished.length + 1), summary: { status: 'succeeded' } as RunSummary })),
          reject: (error) => (done(), reject(error)),
        });
      });
    },
    log: silentLogger,
    onFinished: (run) => finished.push(run),
    onTickSkipped: () => (skipped += 1),
  });
  /** Ends the oldest running sync and lets the scheduler react. */
  const end = async (error?: Error) => {
    const sync = pending.shift()!;
    if (error) sync.reject(error);
    else sync.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { scheduler, end, finished, started: () => finished.length + pending.length, skipped: () => skipped, mostAtOnce: () => mostAtOnce };
}

describe('the sync scheduler', () => {
  it('never overlaps: a tick during a sync is skipped, the next one after it runs', async () => {
    const { scheduler, end, finished, started, skipped, mostAtOnce } = controlledSyncs();
    scheduler.tick();
    expect(scheduler.running).toBe(true);
    scheduler.tick();
    scheduler.tick();
    expect([started(), skipped()]).toEqual([1, 2]);
    await end();
    expect(scheduler.running).toBe(false);
    expect(finished.map((r) => [r.trigger, r.status, r.runId])).toEqual([['schedule', 'succeeded', '1']]);
    scheduler.tick();
    await end();
    expect([started(), skipped(), mostAtOnce()]).toEqual([2, 2, 1]);
  });

  it('runs a webhook at once when idle; during a sync queues exactly one more, whatever the number of webhooks', async () => {
    const { scheduler, end, finished, started, mostAtOnce } = controlledSyncs();
    scheduler.request();
    expect(started()).toBe(1);
    scheduler.request();
    scheduler.request();
    scheduler.tick(); // skipped: the queued sync will read Orb after this tick anyway
    expect(started()).toBe(1);
    await end();
    expect(started()).toBe(2);
    expect(scheduler.running).toBe(true);
    await end();
    expect(started()).toBe(2);
    expect(finished.map((r) => r.trigger)).toEqual(['webhook', 'webhook']);
    expect(mostAtOnce()).toBe(1);
  });

  it('survives a failed sync: recorded as failed with its error, and the next tick syncs again', async () => {
    const { scheduler, end, finished } = controlledSyncs();
    scheduler.tick();
    await end(new UserError('Orb is unreachable'));
    expect(scheduler.lastRun).toMatchObject({ status: 'failed', error: 'Orb is unreachable' });
    scheduler.tick();
    await end(new TypeError('a bug'));
    scheduler.tick();
    await end();
    expect(finished.map((r) => r.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(finished[0]!.finishedAt.getTime()).toBeGreaterThanOrEqual(finished[0]!.startedAt.getTime());
  });

  it('stops: waits for the running sync to end as cancelled, then starts nothing, queued or ticked', async () => {
    const { scheduler, end, finished, started } = controlledSyncs();
    scheduler.tick();
    scheduler.request();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    await end(new CancelledError('SIGTERM'));
    await stopping;
    scheduler.tick();
    scheduler.request();
    expect(started()).toBe(1);
    expect(finished.map((r) => r.status)).toEqual(['cancelled']);
    expect(scheduler.running).toBe(false);
  });
});
