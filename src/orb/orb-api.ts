import Orb, { APIConnectionError, APIConnectionTimeoutError, APIError, AuthenticationError } from 'orb-billing';
import pRetry, { AbortError } from 'p-retry';
import { UserError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { canonicalJson } from '../util/hash.js';
import { RateLimiter, type RateLimiterSummary } from './rate-limiter.js';

/** Orb rate-limits its analytics endpoints (costs, usage) separately from everything else. */
export type EndpointClass = 'analytics' | 'default';

export interface OrbApiOptions {
  apiKey: string;
  baseUrl: string;
  analyticsRps: number;
  rps: number;
  maxRetries: number;
  /** How long one request may take before it is abandoned (and retried). */
  requestTimeoutMs?: number;
  /** First backoff; doubles per attempt. A Retry-After from Orb replaces it when longer. */
  minRetryDelayMs?: number;
  /** Longest Retry-After orb-sync will wait; beyond it the call fails rather than hang the run. */
  maxRetryAfterMs?: number;
  /** Stops every call in flight or waiting (SIGINT/SIGTERM); calls then reject with its reason. */
  signal?: AbortSignal;
  log: Logger;
}

/** What pages() needs of an SDK list page. */
export interface Page<T> {
  data: T[];
  pagination_metadata: { has_more: boolean; next_cursor: string | null };
  getNextPage(): Promise<Page<T>>;
}

/** What came back was not the JSON Orb documents (a proxy's error page, a cut body): retried like a 5xx. */
export class MalformedResponseError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'MalformedResponseError';
  }
}

/**
 * Pages that cannot end, or that orb-sync cannot follow (grouped usage past Orb's 1000 groups):
 * the partition they belong to is rejected, the rest of the run goes on.
 */
export class PaginationError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'PaginationError';
  }
}

/** A response checked before use: throws MalformedResponseError with what came back instead. */
export type EnvelopeCheck = (body: unknown) => string | undefined;

/** A list page: `data` an array, `pagination_metadata` with has_more and next_cursor. */
export const pageEnvelope: EnvelopeCheck = (body) => {
  const page = body as { data?: unknown; pagination_metadata?: { has_more?: unknown; next_cursor?: unknown } } | null;
  if (!isObject(page) || !Array.isArray(page.data)) return 'a body without a "data" list';
  const meta = page.pagination_metadata;
  if (!isObject(meta) || typeof meta.has_more !== 'boolean' || !(meta.next_cursor === null || typeof meta.next_cursor === 'string')) {
    return 'a list without valid pagination_metadata';
  }
  return undefined;
};

/** An object with a `data` list (costs, usage). */
export const dataEnvelope: EnvelopeCheck = (body) =>
  isObject(body) && Array.isArray((body as { data?: unknown }).data) ? undefined : 'a body without a "data" list';

/** Any JSON object (a single record). */
export const objectEnvelope: EnvelopeCheck = (body) => (isObject(body) ? undefined : 'a body that is not a JSON object');

/**
 * The only way orb-sync talks to Orb. It owns retries (the SDK's own are switched off so no
 * request is retried by both), rate limits, timeouts, the check that a response is the JSON Orb
 * documents, and the guard against pagination that never ends.
 */
export class OrbApi {
  readonly client: Orb;
  private readonly limiters: Record<EndpointClass, RateLimiter>;
  private readonly minRetryDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  /** Orb's clock, from the Date header of the key check (see checkKey); windows end relative to it. */
  private orbClock?: { orb: number; local: number };
  /** The Date of Orb's latest response: Orb's clock as it last said it, to the second. */
  lastOrbDate?: Date;
  /** Every HTTP request sent, per endpoint ("GET /subscriptions/{id}/costs"), retries included. */
  readonly requests = new Map<string, number>();
  retries = 0;
  rateLimited = 0;

  constructor(private readonly options: OrbApiOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
    const countingFetch: typeof fetch = async (input, init) => {
      const endpoint = endpointOf(init?.method ?? 'GET', String(input instanceof Request ? input.url : input));
      this.requests.set(endpoint, (this.requests.get(endpoint) ?? 0) + 1);
      const response = await fetch(input, init);
      const date = Date.parse(response.headers.get('date') ?? '');
      if (!Number.isNaN(date)) this.lastOrbDate = new Date(date);
      return response;
    };
    this.client = new Orb({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: this.timeoutMs,
      logLevel: 'off',
      fetch: countingFetch,
    });
    this.limiters = { analytics: new RateLimiter(options.analyticsRps), default: new RateLimiter(options.rps) };
    this.minRetryDelayMs = options.minRetryDelayMs ?? 500;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  }

  /**
   * One cheap request that fails on a wrong key or an unreachable Orb before anything is written,
   * and reads Orb's clock from its Date header, so windows follow Orb's "now", not this machine's.
   */
  async checkKey(): Promise<void> {
    const started = Date.now();
    const { response } = await this.call('default', 'GET /subscriptions (checking the API key)', (orb) => orb.subscriptions.list({ limit: 1 }), pageEnvelope);
    const orbDate = Date.parse(response?.headers.get('date') ?? '');
    if (!Number.isNaN(orbDate)) this.orbClock = { orb: orbDate, local: (started + Date.now()) / 2 };
  }

  /** The request rate an endpoint class is held to now (requests/s). */
  ratePerSecond(endpoint: EndpointClass): number {
    return this.limiters[endpoint].perSecond;
  }

  /** What each rate limiter settled on, for the run summary. */
  rateSummary(): Record<EndpointClass, RateLimiterSummary> {
    return { analytics: this.limiters.analytics.summary(), default: this.limiters.default.summary() };
  }

  /** Orb's current time: this machine's clock shifted by the skew seen at checkKey(). */
  now(): Date {
    const skew = this.orbClock ? this.orbClock.orb - this.orbClock.local : 0;
    return new Date(Date.now() + skew);
  }

  /** One request, rate-limited, checked, retried on 429, 5xx, timeouts, connection and body errors. */
  async call<T>(
    endpoint: EndpointClass,
    label: string,
    request: (client: Orb) => Promise<T>,
    envelope: EnvelopeCheck = objectEnvelope,
  ): Promise<{ data: T; response?: Response }> {
    const { signal } = this.options;
    signal?.throwIfAborted();
    const started = performance.now();
    const attempts = pRetry(
      async () => {
        if (signal?.aborted) throw new AbortError(signal.reason as Error);
        const limiter = this.limiters[endpoint];
        await limiter.acquire();
        try {
          const result = await withResponse(request(this.client));
          limiter.onSuccess();
          checkEnvelope(result, envelope);
          return result;
        } catch (error) {
          // Orb's limit for this key may be lower than configured (test mode, trial, a shared key).
          if (error instanceof APIError && error.status === 429) {
            this.rateLimited += 1;
            limiter.onRateLimited(retryAfterMs(error));
          }
          if (isRetryable(error)) throw error;
          throw new AbortError(new UserError(this.describeFailure(error, label), { cause: error }));
        }
      },
      {
        retries: this.options.maxRetries,
        minTimeout: this.minRetryDelayMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          // A cancelled run retries nothing and says nothing more about it.
          if (signal?.aborted) throw signal.reason;
          if (retriesLeft === 0) throw new UserError(this.describeFailure(error, label, attemptNumber));
          this.retries += 1;
          const waitMs = retryAfterMs(error);
          if (waitMs !== undefined && waitMs > this.maxRetryAfterMs) {
            throw new UserError(`${label}: Orb asked to retry after ${Math.round(waitMs / 1000)} s, longer than orb-sync waits`);
          }
          this.options.log.warn(
            { label, attempt: attemptNumber, retriesLeft, retryAfterMs: waitMs, error: this.describeFailure(error, label) },
            error instanceof APIConnectionTimeoutError ? 'Orb request timed out; retrying' : 'retrying Orb request',
          );
          // p-retry then adds its own backoff on top, so a Retry-After is a floor, never shortened.
          if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
        },
        signal,
      },
    );
    const result = await untilAborted(attempts, signal);
    this.options.log.debug({ label, ms: Math.round(performance.now() - started), status: result.response?.status }, 'Orb request');
    return result;
  }

  /**
   * Every page of a list, each page fetched through call(). Stops with an error when Orb hands
   * back a cursor it has already given, says "more" without a cursor, or serves records this
   * listing has already returned (a cursor that changes while the data repeats). With `readAhead`
   * the next page is requested before this one is handed over, so Orb's answer and the caller's
   * work on this page overlap; for a caller that reads to the end (one that may stop early would
   * pay a request for a page it never reads).
   */
  async *pages<T>(
    endpoint: EndpointClass,
    label: string,
    first: (client: Orb) => Promise<Page<T>>,
    { readAhead = false }: { readAhead?: boolean } = {},
  ): AsyncGenerator<T[]> {
    let page = (await this.call(endpoint, label, first, pageEnvelope)).data;
    const seenCursors = new Set<string>();
    const seen = new Set<unknown>();
    for (;;) {
      for (const item of page.data) {
        // A record is known by its id; one without (a schedule item, an hour of volume) by its content.
        const id = (item as { id?: unknown }).id ?? canonicalJson(item);
        if (seen.has(id)) throw new PaginationError(`${label}: Orb returned ${String(id).slice(0, 80)} on two pages of one listing; pagination does not advance`);
        seen.add(id);
      }
      const { has_more: hasMore, next_cursor: cursor } = page.pagination_metadata;
      const current = page;
      const fetchNext = () => this.call(endpoint, label, () => current.getNextPage(), pageEnvelope);
      const ahead = readAhead && cursor && !seenCursors.has(cursor) ? fetchNext() : undefined;
      // Handled here too: a caller that stops on this page never awaits it.
      ahead?.catch(() => undefined);
      yield page.data;
      if (!cursor) {
        if (hasMore) throw new PaginationError(`${label}: Orb said there are more pages but gave no cursor`);
        return;
      }
      if (seenCursors.has(cursor)) throw new PaginationError(`${label}: Orb returned cursor ${cursor} twice; pagination does not advance`);
      seenCursors.add(cursor);
      page = (await (ahead ?? fetchNext())).data;
    }
  }

  private describeFailure(error: unknown, label: string, attempts?: number): string {
    const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
    if (error instanceof AuthenticationError) return `Orb rejected the API key (401) on ${label}: check ORB_API_KEY`;
    if (error instanceof APIConnectionTimeoutError) return `${label}: no answer from Orb within ${this.timeoutMs / 1000} s${tries}`;
    if (error instanceof APIConnectionError) {
      return `${label}: cannot reach Orb at ${origin(this.options.baseUrl)}${tries}: ${connectionCause(error)}`;
    }
    if (error instanceof APIError) return `${label}: Orb answered ${error.status ?? 'an error'}${tries}: ${error.message}`;
    if (error instanceof MalformedResponseError) return `${label}: ${error.message}${tries}`;
    return `${label}: ${errorMessage(error)}${tries}`;
  }
}

/** The promise, or the signal's reason as soon as it is aborted (the request itself is left to end). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The SDK's promises carry the HTTP response; a next page carries it on the page itself. */
async function withResponse<T>(pending: Promise<T>): Promise<{ data: T; response?: Response }> {
  const api = pending as Promise<T> & { withResponse?: () => Promise<{ data: T; response: Response }> };
  if (typeof api.withResponse === 'function') return api.withResponse();
  const data = await pending;
  return { data, response: (data as { response?: Response } | null)?.response };
}

/** A page's raw body is on the page; any other call's body is what it resolved to. */
function checkEnvelope(result: { data: unknown; response?: Response }, envelope: EnvelopeCheck): void {
  const body = isObject(result.data) && 'body' in result.data && 'getNextPage' in result.data ? result.data.body : result.data;
  const problem = envelope(body);
  if (!problem) return;
  const contentType = result.response?.headers.get('content-type') ?? 'no content type';
  const text = typeof body === 'string' ? body : JSON.stringify(body) ?? String(body);
  throw new MalformedResponseError(
    `Orb answered ${result.response?.status ?? 200} with ${problem} (${contentType}: ${JSON.stringify(text.slice(0, 80))})`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof APIConnectionError || error instanceof MalformedResponseError) return true;
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

/** Collections whose next path segment is a record's id. */
const COLLECTIONS = new Set(['subscriptions', 'customers', 'backfills', 'plans', 'prices', 'invoices', 'items', 'metrics']);

/** "GET /subscriptions/{id}/costs" for any subscription: a request's endpoint, ids replaced. */
export function endpointOf(method: string, url: string): string {
  const segments = new URL(url).pathname.split('/').filter(Boolean);
  if (segments[0] === 'v1') segments.shift();
  const path = segments.map((segment, i) => (i > 0 && COLLECTIONS.has(segments[i - 1]!) ? '{id}' : segment));
  return `${method.toUpperCase()} /${path.join('/')}`;
}

function origin(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return baseUrl;
  }
}

/** The system's reason under the SDK's "Connection error." (ECONNREFUSED, ENOTFOUND, …). */
function connectionCause(error: APIConnectionError): string {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 3 && cause instanceof Error && cause.cause instanceof Error; depth += 1) cause = cause.cause;
  const code = (cause as { code?: string } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : error.message;
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
