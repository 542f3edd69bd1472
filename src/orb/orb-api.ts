import Orb, { APIConnectionError, APIError, AuthenticationError } from 'orb-billing';
import pRetry, { AbortError } from 'p-retry';
import { UserError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { RateLimiter } from './rate-limiter.js';

/** Orb rate-limits its analytics endpoints (costs, usage) separately from everything else. */
export type EndpointClass = 'analytics' | 'default';

export interface OrbApiOptions {
  apiKey: string;
  baseUrl: string;
  analyticsRps: number;
  rps: number;
  maxRetries: number;
  /** First backoff; doubles per attempt. A Retry-After from Orb replaces it when longer. */
  minRetryDelayMs?: number;
  /** Longest Retry-After orb-sync will wait; beyond it the call fails rather than hang the run. */
  maxRetryAfterMs?: number;
  log: Logger;
}

/** What pages() needs of an SDK list page. */
export interface Page<T> {
  data: T[];
  pagination_metadata: { has_more: boolean; next_cursor: string | null };
  getNextPage(): Promise<Page<T>>;
}

/**
 * The only way orb-sync talks to Orb. It owns retries (the SDK's own are switched off so no
 * request is retried by both), rate limits, and the guard against pagination that never ends.
 */
export class OrbApi {
  readonly client: Orb;
  private readonly limiters: Record<EndpointClass, RateLimiter>;
  private readonly minRetryDelayMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(private readonly options: OrbApiOptions) {
    this.client = new Orb({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: 0, logLevel: 'off' });
    this.limiters = { analytics: new RateLimiter(options.analyticsRps), default: new RateLimiter(options.rps) };
    this.minRetryDelayMs = options.minRetryDelayMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  }

  /** One request, rate-limited, retried on 429, 5xx and connection errors. */
  call<T>(endpoint: EndpointClass, label: string, request: (client: Orb) => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        await this.limiters[endpoint].acquire();
        try {
          return await request(this.client);
        } catch (error) {
          if (isRetryable(error)) throw error;
          throw new AbortError(new UserError(describeFailure(error, label), { cause: error }));
        }
      },
      {
        retries: this.options.maxRetries,
        minTimeout: this.minRetryDelayMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft === 0) throw new UserError(describeFailure(error, label, attemptNumber));
          const waitMs = retryAfterMs(error);
          if (waitMs !== undefined && waitMs > this.maxRetryAfterMs) {
            throw new UserError(`${label}: Orb asked to retry after ${Math.round(waitMs / 1000)} s, longer than orb-sync waits`);
          }
          this.options.log.warn({ label, attempt: attemptNumber, retryAfterMs: waitMs, error: errorMessage(error) }, 'retrying Orb request');
          // p-retry then adds its own backoff on top, so a Retry-After is a floor, never shortened.
          if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
        },
      },
    );
  }

  /**
   * Every page of a list, each page fetched through call(). Stops with an error when Orb hands
   * back a cursor it has already given (a loop) or says "more" without a cursor.
   */
  async *pages<T>(endpoint: EndpointClass, label: string, first: (client: Orb) => Promise<Page<T>>): AsyncGenerator<T[]> {
    let page = await this.call(endpoint, label, first);
    const seenCursors = new Set<string>();
    for (;;) {
      yield page.data;
      const { has_more: hasMore, next_cursor: cursor } = page.pagination_metadata;
      if (!cursor) {
        if (hasMore) throw new UserError(`${label}: Orb said there are more pages but gave no cursor`);
        return;
      }
      if (seenCursors.has(cursor)) throw new UserError(`${label}: Orb returned cursor ${cursor} twice; pagination does not advance`);
      seenCursors.add(cursor);
      const current = page;
      page = await this.call(endpoint, label, () => current.getNextPage());
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof APIConnectionError) return true;
  // A connection cut mid-body (undici's TypeError "terminated") and a truncated JSON body reach us
  // from the SDK as plain errors, not APIConnectionError; both are transient, so both are retried.
  if (error instanceof TypeError && /terminated|socket|ECONNRESET/i.test(`${error.message} ${String(error.cause ?? '')}`)) return true;
  if (error instanceof SyntaxError) return true;
  return error instanceof APIError && (error.status === 429 || (error.status ?? 0) >= 500);
}

function retryAfterMs(error: unknown): number | undefined {
  const header = error instanceof APIError ? error.headers?.get('retry-after') : null;
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describeFailure(error: unknown, label: string, attempts?: number): string {
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  if (error instanceof AuthenticationError) return `Orb rejected the API key (401) on ${label}: check ORB_API_KEY`;
  if (error instanceof APIConnectionError) return `${label}: cannot reach Orb${tries}: ${error.message}`;
  if (error instanceof APIError) return `${label}: Orb answered ${error.status ?? 'an error'}${tries}: ${error.message}`;
  return `${label}: ${errorMessage(error)}`;
}
