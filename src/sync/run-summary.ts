import type { RunTally } from '../streams/stream.js';

/**
 * What a run did, printed at its end and stored as JSON in sync_runs.summary: the figures an
 * operator reads (and `orb-sync schedule` exports as metrics) without writing SQL.
 */
export interface RunSummary {
  readonly command: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Orb requests per endpoint ("GET /subscriptions/{id}/costs"), retries included. */
  readonly apiCalls: Readonly<Record<string, number>>;
  readonly retries: number;
  /** Requests Orb answered 429. */
  readonly rateLimited: number;
  /** The rate each limiter settled on (requests/s), per endpoint class. */
  readonly settledRate: Readonly<Record<string, number>>;
  /** Rows appended per staging table. */
  readonly stagingRows: Readonly<Record<string, number>>;
  /** Rows inserted per fact table by the builds of this run. */
  readonly factRows: Readonly<Record<string, number>>;
  readonly restatements: ReadonlyArray<{ id: string; trigger: string; totals: ReadonlyArray<{ currency: string; before: string; after: string }> }>;
  readonly rejects: number;
  /** Milliseconds per stream, and for the model builds ("models"). */
  readonly durationsMs: Readonly<Record<string, number>>;
  readonly error?: string;
}

export function newTally(): RunTally {
  return { rowsLoaded: 0, stagingRows: {}, factRows: {}, durationsMs: {}, restatements: [] };
}

/** Adds `amount` to a figure of a tally's record. */
export function count(record: Record<string, number>, key: string, amount: number): void {
  record[key] = (record[key] ?? 0) + amount;
}

/** Runs `work`, adding its time to the tally's durations under `name`. */
export async function timed<T>(tally: RunTally, name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    count(tally.durationsMs, name, Math.round(performance.now() - started));
  }
}

/** A build's rows and time, added to the tally. */
export async function tallyBuild<T extends { rows: Record<string, number> }>(tally: RunTally, build: () => Promise<T>): Promise<T> {
  const result = await timed(tally, 'models', build);
  for (const [table, rows] of Object.entries(result.rows)) count(tally.factRows, table, rows);
  return result;
}

const SUMMARIES = new WeakMap<object, RunSummary>();

/** Keeps a failed or cancelled run's summary with its error, for whoever catches it (metrics). */
export function attachSummary(error: unknown, summary: RunSummary): void {
  if (typeof error === 'object' && error !== null) SUMMARIES.set(error, summary);
}

/** The summary of the run an error ended, when it had one. */
export function summaryOf(error: unknown): RunSummary | undefined {
  return typeof error === 'object' && error !== null ? SUMMARIES.get(error) : undefined;
}
