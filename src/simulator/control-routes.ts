/**
 * The simulator's own control API under /_simulator (not Orb's): move the clock, inject faults, read
 * the request log and the ground truth over HTTP, for clients that do not run in the test process.
 * Plain JSON in and out; bad input is a 400 with `{ "error": "..." }`, not an Orb error body.
 */
import type { Clock } from './clock.js';
import type { FaultConfig, FaultRule, Faults } from './faults.js';
import type { RequestLog } from './requests.js';
import { parseJsonOr } from './routes/body.js';
import type { Truth } from './truth.js';

const CONTROL_PREFIX = '/_simulator';

export interface ControlDeps {
  readonly clock: Clock;
  readonly truth: Truth;
  readonly faults: Faults;
  readonly requests: RequestLog;
}

export interface ControlReply {
  readonly status: number;
  readonly body?: unknown; // none for 204
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new ControlError(400, message);

type Json = Record<string, unknown>;

const parseBody = (raw: string) => parseJsonOr(raw, () => badRequest('the request body is not valid JSON'));

/** A JSON object with only the allowed keys: a misspelt key is an error, not silently ignored. */
function objectWith(value: unknown, allowed: readonly string[], what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object`);
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw badRequest(`${what}: unknown key ${JSON.stringify(unknown)} (allowed: ${allowed.join(', ')})`);
  return value as Json;
}

/** Runs a simulator call whose validation errors are the caller's fault. */
function asBadRequest<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

function clockReply(clock: Clock): ControlReply {
  return { status: 200, body: { now: clock.now().toISOString() } };
}

/** `{ "now": iso }` sets the clock; `{ "advance": { "days"?, "hours"?, "ms"? } }` moves it. */
function moveClock(clock: Clock, body: unknown): ControlReply {
  const { now, advance } = objectWith(body, ['now', 'advance'], 'clock body');
  if ((now === undefined) === (advance === undefined)) throw badRequest('clock body needs exactly one of "now" and "advance"');
  if (now !== undefined) {
    if (typeof now !== 'string') throw badRequest('now must be an ISO-8601 instant string');
    asBadRequest(() => clock.set(now));
  } else {
    const by = objectWith(advance, ['days', 'hours', 'ms'], 'advance');
    for (const [unit, amount] of Object.entries(by)) {
      if (typeof amount !== 'number' || !Number.isFinite(amount)) throw badRequest(`advance.${unit} must be a finite number`);
    }
    clock.advance(by as Parameters<Clock['advance']>[0]);
  }
  return clockReply(clock);
}

/** A FaultRule as JSON: `path` matches exactly, `path_pattern` is a RegExp source, `times` may be "Infinity". */
function faultRule(body: unknown): FaultRule {
  const { path, path_pattern: pathPattern, times, ...rest } = objectWith(
    body,
    ['kind', 'path', 'path_pattern', 'times', 'status', 'retryAfterSeconds'],
    'fault rule',
  );
  if (rest.kind === 'mutate') throw badRequest("fault rule: kind 'mutate' takes a function, so only sim.faults.inject() in the test process offers it");
  if (path !== undefined && pathPattern !== undefined) throw badRequest('fault rule: give "path" or "path_pattern", not both');
  if (path !== undefined && typeof path !== 'string') throw badRequest('fault rule: path must be a string');
  if (pathPattern !== undefined && typeof pathPattern !== 'string') throw badRequest('fault rule: path_pattern must be a string');
  // JSON has no Infinity. faults.inject validates the other fields.
  return {
    ...rest,
    path: pathPattern === undefined ? path : asBadRequest(() => new RegExp(pathPattern)),
    times: times === 'Infinity' ? Infinity : times,
  } as FaultRule;
}

function faultConfig(body: unknown): FaultConfig {
  const config = objectWith(
    body,
    ['latencyMs', 'jitterMs', 'rateLimits', 'errorRate', 'resetRate', 'hangRate', 'malformedRate'],
    'fault config',
  );
  const { rateLimits } = config;
  if (typeof rateLimits === 'object' && rateLimits !== null) {
    objectWith(rateLimits, ['analyticsPerSecond', 'otherPerSecond'], 'rateLimits');
  }
  return config as FaultConfig;
}

type TruthRow = object;

interface TruthQuery {
  readonly from: string | null; // local date, inclusive
  readonly to: string | null; // local date, exclusive
  readonly groupBy: string | null;
}

interface TruthTable {
  rows(truth: Truth, query: TruthQuery): readonly TruthRow[];
  /** The row field the `subscription_id` filter matches; null where rows are account-wide. */
  readonly subscriptionField: string | null;
  /** Rows carry a local `day`, filtered here on from/to; other tables get the range to use as they need. */
  readonly daily: boolean;
  /** Query parameters beyond subscription_id, from and to. */
  readonly extraParams?: readonly string[];
}

/** The tables served at /_simulator/truth/{name}; each Truth method that returns rows gets a line here. */
const TRUTH_TABLES = new Map<string, TruthTable>([
  ['customers', { rows: (truth) => truth.customers(), subscriptionField: null, daily: false }],
  ['subscriptions', { rows: (truth) => truth.subscriptions(), subscriptionField: 'id', daily: false }],
  ['plans', { rows: (truth) => truth.plans(), subscriptionField: null, daily: false }],
  ['prices', { rows: (truth) => truth.prices(), subscriptionField: null, daily: false }],
  ['schedules', { rows: (truth) => truth.schedules(), subscriptionField: 'subscription_id', daily: false }],
  ['daily-costs', { rows: (truth) => truth.dailyCosts(), subscriptionField: 'subscription_id', daily: true }],
  ['daily-subscription-costs', { rows: (truth) => truth.dailySubscriptionCosts(), subscriptionField: 'subscription_id', daily: true }],
  ['daily-usage', { rows: (truth) => truth.dailyUsage(), subscriptionField: 'subscription_id', daily: true }],
  [
    'daily-usage-by-group',
    { rows: (truth, query) => truth.dailyUsageByGroup(required(query.groupBy, 'group_by', 'daily-usage-by-group')), subscriptionField: 'subscription_id', daily: true, extraParams: ['group_by'] },
  ],
  // Account-wide UTC hours: from/to are UTC dates here, and from is required (history can be long).
  ['hourly-volume', { rows: (truth, query) => truth.hourlyVolume(utcMidnight(query.from, 'from'), query.to === null ? undefined : utcMidnight(query.to, 'to')), subscriptionField: null, daily: false }],
]);

function required(value: string | null, name: string, table: string): string {
  if (value === null || value === '') throw badRequest(`${name} is required for ${table}`);
  return value;
}

function utcMidnight(date: string | null, name: string): Date {
  return new Date(`${required(date, name, 'hourly-volume')}T00:00:00Z`);
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function localDateParam(query: URLSearchParams, name: string): string | null {
  const value = query.get(name);
  if (value !== null && !(LOCAL_DATE.test(value) && !Number.isNaN(Date.parse(value)))) {
    throw badRequest(`${name} must be a date like 2025-03-01, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `subscription_id` (repeatable) keeps those subscriptions; `from`/`to` bound `day` in daily tables. */
function truthRows(table: TruthTable, truth: Truth, query: URLSearchParams): TruthRow[] {
  const allowed = ['subscription_id', 'from', 'to', ...(table.extraParams ?? [])];
  const unknown = [...query.keys()].find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw badRequest(`unknown query parameter ${JSON.stringify(unknown)} (allowed: ${allowed.join(', ')})`);
  }
  const ids = query.getAll('subscription_id');
  const params: TruthQuery = { from: localDateParam(query, 'from'), to: localDateParam(query, 'to'), groupBy: query.get('group_by') };
  return table.rows(truth, params).filter((row) => {
    const fields = row as Record<string, unknown>;
    if (ids.length > 0 && table.subscriptionField !== null && !ids.includes(fields[table.subscriptionField] as string)) return false;
    if (!table.daily) return true;
    const day = fields.day as string;
    return (params.from === null || day >= params.from) && (params.to === null || day < params.to);
  });
}

function requestsReply(requests: RequestLog): ControlReply {
  const log = requests.log();
  return { status: 200, body: { total: log.length, by_endpoint: requests.countsByEndpoint(), log } };
}

/** `path` is the full path, starting with CONTROL_PREFIX. */
function route(deps: ControlDeps, method: string, path: string, query: URLSearchParams, raw: string): ControlReply {
  const endpoint = `${method} ${path.slice(CONTROL_PREFIX.length)}`;
  switch (endpoint) {
    case 'GET /clock':
      return clockReply(deps.clock);
    case 'POST /clock':
      return moveClock(deps.clock, parseBody(raw));
    case 'POST /faults': {
      const rule = faultRule(parseBody(raw));
      asBadRequest(() => deps.faults.inject(rule));
      return { status: 204 };
    }
    case 'PUT /faults/config': {
      const config = faultConfig(parseBody(raw));
      asBadRequest(() => deps.faults.configure(config));
      return { status: 204 };
    }
    case 'DELETE /faults':
      deps.faults.clear();
      return { status: 204 };
    case 'GET /requests':
      return requestsReply(deps.requests);
    case 'DELETE /requests':
      deps.requests.reset();
      return { status: 204 };
  }
  const table = TRUTH_TABLES.get(/^GET \/truth\/([^/]+)$/.exec(endpoint)?.[1] ?? '');
  if (table) return { status: 200, body: { data: truthRows(table, deps.truth, query) } };
  throw new ControlError(404, `no simulator endpoint ${method} ${path}`);
}

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

export function handleControl(deps: ControlDeps, method: string, path: string, query: URLSearchParams, raw: string): ControlReply {
  try {
    return route(deps, method, path, query, raw);
  } catch (error) {
    if (error instanceof ControlError) return { status: error.status, body: { error: error.message } };
    console.error('simulator: unhandled control error', error);
    return { status: 500, body: { error: 'internal simulator error' } };
  }
}
