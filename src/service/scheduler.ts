/**
 * When `orb-sync schedule` syncs: one sync at a time, ever. A cron tick during a sync is skipped
 * (the next tick will come); a webhook during a sync queues one more to run right after it (the
 * running one may have read Orb before the change), and further webhooks join that one.
 */
import { CancelledError, UserError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { summaryOf, type RunSummary } from '../sync/run-summary.js';

export type RunTrigger = 'schedule' | 'webhook';

export interface FinishedRun {
  trigger: RunTrigger;
  status: RunSummary['status'];
  startedAt: Date;
  finishedAt: Date;
  /** sync_runs.run_id, when the run got that far and succeeded. */
  runId?: string;
  /** What the run did; only a run that succeeded returns it. */
  summary?: RunSummary;
  error?: string;
}

export interface SchedulerOptions {
  /** One complete sync; rejects with its error (a CancelledError once the service is stopping). */
  sync(): Promise<{ runId: string; summary: RunSummary }>;
  log: Logger;
  onFinished(run: FinishedRun): void;
  onTickSkipped(): void;
}

export class SyncScheduler {
  private current: Promise<void> | null = null;
  private followUpQueued = false;
  private stopped = false;
  private last: FinishedRun | null = null;

  constructor(private readonly options: SchedulerOptions) {}

  get running(): boolean {
    return this.current !== null;
  }

  get lastRun(): FinishedRun | null {
    return this.last;
  }

  /** A cron tick: syncs now, or is skipped (and logged) while a sync runs. */
  tick(): void {
    if (this.stopped) return;
    if (this.current) {
      this.options.log.warn('scheduled sync skipped: the previous sync is still running');
      this.options.onTickSkipped();
      return;
    }
    this.start('schedule');
  }

  /** A webhook asks for a prompt sync: now, or right after the running one (at most one is queued). */
  request(): void {
    if (this.stopped) return;
    if (!this.current) {
      this.start('webhook');
      return;
    }
    if (!this.followUpQueued) this.options.log.info('sync queued: it starts when the running one ends');
    this.followUpQueued = true;
  }

  /** No new sync starts; resolves once the running one (aborted by the caller's signal) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.followUpQueued = false;
    await this.current;
  }

  private start(trigger: RunTrigger): void {
    this.current = this.execute(trigger).finally(() => {
      this.current = null;
      if (this.followUpQueued) {
        this.followUpQueued = false;
        this.start('webhook');
      }
    });
  }

  /** Never rejects: a failed sync is logged and counted, and the schedule goes on. */
  private async execute(trigger: RunTrigger): Promise<void> {
    const { log } = this.options;
    const startedAt = new Date();
    log.info({ trigger }, 'sync started');
    let run: FinishedRun;
    try {
      const { runId, summary } = await this.options.sync();
      run = { trigger, status: 'succeeded', startedAt, finishedAt: new Date(), runId, summary };
      log.info({ trigger, runId, durationMs: run.finishedAt.getTime() - startedAt.getTime() }, 'sync succeeded');
    } catch (error) {
      const status = error instanceof CancelledError ? 'cancelled' : 'failed';
      run = { trigger, status, startedAt, finishedAt: new Date(), error: errorMessage(error), summary: summaryOf(error) };
      // A UserError explains itself; anything else is a bug whose stack is wanted.
      if (status === 'cancelled') log.info({ trigger, error: run.error }, 'sync cancelled');
      else log.error({ trigger, error: error instanceof UserError ? run.error : error }, 'sync failed; the schedule goes on');
    }
    this.last = run;
    this.options.onFinished(run);
  }
}
