/**
 * What `orb-sync schedule` has done since it started, in Prometheus' text format 0.0.4. Counts
 * of Orb calls, retries, 429s and rows come from the summaries of the runs that succeeded (a run
 * that fails returns its error, not its figures); runs, failures, durations and timestamps cover
 * every run.
 */
import type { FinishedRun } from './scheduler.js';
import type { WebhookOutcome } from './webhooks.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

const RUN_STATUSES: ReadonlyArray<FinishedRun['status']> = ['succeeded', 'failed', 'cancelled'];

export class ServiceMetrics {
  private readonly runs = new Map<string, number>(RUN_STATUSES.map((status) => [status, 0]));
  private consecutiveFailures = 0;
  private readonly rowsLoaded = new Map<string, number>();
  private readonly apiCalls = new Map<string, number>();
  private retries = 0;
  private rateLimited = 0;
  private lastSuccess: Date | null = null;
  private lastDurationMs: number | null = null;
  private skippedTicks = 0;
  private readonly webhooks = new Map<WebhookOutcome, number>();

  recordRun(run: FinishedRun): void {
    add(this.runs, run.status, 1);
    this.lastDurationMs = run.finishedAt.getTime() - run.startedAt.getTime();
    if (run.status === 'failed') this.consecutiveFailures += 1;
    if (run.status === 'succeeded') {
      this.consecutiveFailures = 0;
      this.lastSuccess = run.finishedAt;
    }
    const { summary } = run;
    if (!summary) return;
    for (const [table, rows] of Object.entries(summary.stagingRows)) add(this.rowsLoaded, table, rows);
    for (const [endpoint, calls] of Object.entries(summary.apiCalls)) add(this.apiCalls, endpoint, calls);
    this.retries += summary.retries;
    this.rateLimited += summary.rateLimited;
  }

  recordSkippedTick(): void {
    this.skippedTicks += 1;
  }

  recordWebhook(outcome: WebhookOutcome): void {
    add(this.webhooks, outcome, 1);
  }

  render(running: boolean): string {
    const byLabel = (label: string, values: Map<string, number>): Sample[] => [...values].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => [{ [label]: key }, value]);
    const single = (value: number | null): Sample[] => (value === null ? [] : [[{}, value]]);
    return [
      family('orb_sync_runs_total', 'counter', 'Syncs this process ran, by how they ended.', byLabel('status', this.runs)),
      family('orb_sync_consecutive_failures', 'gauge', 'Syncs that failed since the last one that succeeded.', single(this.consecutiveFailures)),
      family('orb_sync_running', 'gauge', '1 while a sync runs.', single(running ? 1 : 0)),
      family('orb_sync_rows_loaded_total', 'counter', 'Rows appended to each staging table, by every sync (a failed one keeps what it committed).', byLabel('table', this.rowsLoaded)),
      family('orb_sync_api_calls_total', 'counter', 'Requests to Orb per endpoint, retries included, by every sync.', byLabel('endpoint', this.apiCalls)),
      family('orb_sync_api_retries_total', 'counter', 'Orb requests retried, by every sync.', single(this.retries)),
      family('orb_sync_rate_limited_total', 'counter', 'Orb requests answered 429, in every sync.', single(this.rateLimited)),
      family(
        'orb_sync_last_success_timestamp_seconds',
        'gauge',
        'When the last sync that succeeded ended (Unix time); absent until one has.',
        single(this.lastSuccess && this.lastSuccess.getTime() / 1000),
      ),
      family(
        'orb_sync_last_run_duration_seconds',
        'gauge',
        'How long the last sync took, however it ended.',
        single(this.lastDurationMs === null ? null : this.lastDurationMs / 1000),
      ),
      family('orb_sync_skipped_ticks_total', 'counter', 'Scheduled syncs skipped because a sync was still running.', single(this.skippedTicks)),
      family('orb_sync_webhooks_total', 'counter', 'Requests to POST /webhooks/orb, by what came of them.', byLabel('outcome', this.webhooks)),
    ].join('');
  }
}

function add<K>(values: Map<K, number>, key: K, amount: number): void {
  values.set(key, (values.get(key) ?? 0) + amount);
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabelValue(text)}"`);
    lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The format's three escapes in label values: backslash, double quote, line feed. */
function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
