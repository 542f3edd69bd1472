/**
 * `orb-sync schedule`: syncs on a cron schedule until SIGTERM or SIGINT, with /healthz, /metrics
 * and Orb's webhooks on an optional HTTP address. Everything the user can get wrong (settings, the
 * cron expression, the address) fails here, before the first tick; after that a failed sync is
 * logged and counted, and the schedule goes on.
 */
import { CronJob } from 'cron';
import type { Config } from '../config.js';
import { UserError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { runSync } from '../sync/run-sync.js';
import { startHttpServer, type ListenAddress, type RunningServer, type ServiceRoutes } from './http-server.js';
import { METRICS_CONTENT_TYPE, ServiceMetrics } from './metrics.js';
import { SyncScheduler, type FinishedRun } from './scheduler.js';
import { WebhookReceiver } from './webhooks.js';

export interface ScheduleOptions {
  config: Config;
  /** A cron expression of 5 fields, or 6 with seconds first, in this machine's time zone. */
  cron: string;
  listen?: ListenAddress;
  /** ORB_WEBHOOK_SECRET; without it POST /webhooks/orb accepts nothing. */
  webhookSecret?: string;
  log: Logger;
  /** Stops the service: the running sync is cancelled (and recorded so), then the cron and the server stop. */
  signal: AbortSignal;
}

/** The cron job, not started, or a UserError naming what is wrong with the expression. */
function cronJob(expression: string, onTick: () => void): CronJob {
  try {
    const job = CronJob.from({ cronTime: expression, onTick, start: false });
    job.nextDate(); // an expression that never matches (30 February) throws only here
    return job;
  } catch (error) {
    // The cron package explains some mistakes over several lines; the first one says it.
    throw new UserError(`invalid --cron ${JSON.stringify(expression)}: ${errorMessage(error).split('\n')[0]}`);
  }
}

function lastRunJson(run: FinishedRun | null) {
  if (!run) return null;
  return {
    status: run.status,
    trigger: run.trigger,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    ...(run.runId !== undefined && { run_id: run.runId }),
    ...(run.error !== undefined && { error: run.error }),
  };
}

/** What the HTTP side answers, from the scheduler's state and the metrics; accepted webhooks ask for a sync. */
function serviceRoutes(scheduler: SyncScheduler, metrics: ServiceMetrics, receiver: WebhookReceiver, nextRun: () => string, log: Logger): ServiceRoutes {
  return {
    health() {
      const failing = scheduler.lastRun?.status === 'failed';
      return {
        status: failing ? 503 : 200,
        body: { status: failing ? 'failing' : 'ok', last_run: lastRunJson(scheduler.lastRun), next_run: nextRun(), running: scheduler.running },
      };
    },
    metrics: () => ({ contentType: METRICS_CONTENT_TYPE, text: metrics.render(scheduler.running) }),
    webhook(headers, rawBody) {
      const { outcome, status, reason, event } = receiver.receive(headers, rawBody);
      metrics.recordWebhook(outcome);
      if (status >= 400) log.warn({ outcome, reason, event }, 'webhook rejected');
      else log.info({ outcome, reason, event }, 'webhook received');
      if (outcome === 'accepted') scheduler.request();
      return { status, body: { outcome, reason } };
    },
  };
}

/** Resolves once `options.signal` is aborted and everything has stopped; rejects only on a configuration error. */
export async function runScheduleService(options: ScheduleOptions): Promise<void> {
  const { config, log, signal } = options;
  const metrics = new ServiceMetrics();
  const scheduler = new SyncScheduler({
    sync: () => runSync({ ...config, signal }, log),
    log,
    onFinished: (run) => metrics.recordRun(run),
    onTickSkipped: () => metrics.recordSkippedTick(),
  });
  const job = cronJob(options.cron, () => scheduler.tick());
  const nextRun = () => job.nextDate().toJSDate().toISOString();

  let server: RunningServer | undefined;
  if (options.listen) {
    if (options.webhookSecret === undefined) log.warn('ORB_WEBHOOK_SECRET is not set: POST /webhooks/orb answers 503 and accepts nothing');
    const routes = serviceRoutes(scheduler, metrics, new WebhookReceiver(options.webhookSecret), nextRun, log);
    server = await startHttpServer(options.listen, routes, log);
    log.info({ url: server.url }, 'listening: GET /healthz, GET /metrics, POST /webhooks/orb');
  }

  if (!signal.aborted) {
    job.start();
    log.info({ cron: options.cron, nextRun: nextRun() }, 'schedule started');
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
  log.info('stopping: the running sync is cancelled, no new one starts');
  await job.stop();
  await scheduler.stop();
  await server?.close();
}
