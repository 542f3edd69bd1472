/**
 * Fault injection, off by default. Two sources: rules (the next N requests matching a path fail in a
 * given way) and a rate-based configuration (latency, Orb's rate limits, a fraction of failures).
 * Every random choice hashes (seed, request sequence number), so a seed replays the same faults.
 */
import { hash, intBetween, unit } from './random.js';
import { serverError, tooManyRequests, type OrbApiError } from './orb-errors.js';

export type FaultKind = 'status' | 'reset' | 'hang' | 'malformed' | 'stuck-cursor' | 'repeat-page' | 'html' | 'mutate';
const FAULT_KINDS: readonly FaultKind[] = ['status', 'reset', 'hang', 'malformed', 'stuck-cursor', 'repeat-page', 'html', 'mutate'];

/** Rewrites a route's JSON body; a string result is sent verbatim as the body, undefined sends the (edited) argument. */
export type BodyMutation = (body: unknown) => unknown;

interface RuleTarget {
  path?: string | RegExp; // the path without /v1 and query; default: every path
  times?: number; // default 1; Infinity for "until cleared"
}

/**
 * status: an Orb error body (429 with Retry-After, or 5xx); reset: the connection is cut mid-body;
 * hang: never answered; malformed: 200 with truncated JSON; stuck-cursor: served, but the
 * pagination cursor never advances; repeat-page: a list's first page again, under a new cursor
 * each time; html: 200 with a proxy's HTML error page; mutate: the route's body passed through
 * `mutate` (in-process only: a function is not JSON).
 */
export type FaultRule =
  | (RuleTarget & { kind?: 'status'; status: number; retryAfterSeconds?: number })
  | (RuleTarget & { kind: 'mutate'; mutate: BodyMutation })
  | (RuleTarget & { kind: Exclude<FaultKind, 'status' | 'mutate'> });

export interface FaultConfig {
  latencyMs?: number; // fixed delay added before every response
  jitterMs?: number; // plus a seeded uniform extra delay in [0, jitterMs]
  /** true = Orb's published limits; a missing class in the object form keeps Orb's limit for it. */
  rateLimits?: boolean | { analyticsPerSecond?: number; otherPerSecond?: number };
  errorRate?: number; // fraction 0..1 of requests answered 500/502/503
  resetRate?: number; // fraction whose connection is reset mid-response
  hangRate?: number; // fraction never answered
  malformedRate?: number; // fraction answered 200 with a truncated, unparsable JSON body
}

export interface Faults {
  /** Adds a rule; the first rule matching a request's path consumes one of its `times`. */
  inject(rule: FaultRule): void;
  /** Replaces the rate-based configuration. */
  configure(config: FaultConfig): void;
  /** Removes every rule and the configuration. */
  clear(): void;
}

/** What happened to a request: a rule's or a rate's fault kind, or Orb's rate limiter. */
export type AppliedFault = FaultKind | 'rate-limit';

export type Fault =
  | { readonly kind: 'status' | 'rate-limit'; readonly error: OrbApiError }
  | { readonly kind: 'mutate'; readonly mutate: BodyMutation }
  | { readonly kind: 'repeat-page'; readonly request: number } // the request's sequence number, for a fresh cursor
  | { readonly kind: Exclude<FaultKind, 'status' | 'mutate' | 'repeat-page'> };

export interface FaultPlan {
  readonly delayMs: number;
  readonly fault: Fault | null;
}

export interface FaultInjector extends Faults {
  /** Decides the next request's fate: its delay and fault (consuming a rule use or a rate-limit slot). */
  plan(method: string, path: string): FaultPlan;
}

export type EndpointClass = 'analytics' | 'other';

// Orb's published limits, per second and per endpoint class.
const ORB_LIMITS: Readonly<Record<EndpointClass, number>> = { analytics: 10, other: 100 };
const ANALYTICS_PATHS = [/^\/subscriptions\/[^/]+\/costs$/, /^\/customers\/[^/]+\/costs$/, /^\/subscriptions\/[^/]+\/usage$/];

/** Orb rate-limits its analytics reads (costs, usage) separately from every other route. */
export function endpointClass(method: string, path: string): EndpointClass {
  return method === 'GET' && ANALYTICS_PATHS.some((p) => p.test(path)) ? 'analytics' : 'other';
}

export function matchesPath(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string') return pattern === path;
  pattern.lastIndex = 0; // a /g or /y pattern would otherwise resume from its previous match
  return pattern.test(path);
}

/** The delay before the response to request number `sequence` (0-based) under `config`. */
export function responseDelayMs(config: FaultConfig, seed: number, sequence: number): number {
  const jitterMs = config.jitterMs ?? 0;
  return (config.latencyMs ?? 0) + (jitterMs > 0 ? intBetween(0, jitterMs, seed, 'jitter', sequence) : 0);
}

const RATE_FAULTS = [
  ['errorRate', 'status'],
  ['resetRate', 'reset'],
  ['hangRate', 'hang'],
  ['malformedRate', 'malformed'],
] as const;

const SERVER_ERRORS = [500, 502, 503];

/** One draw splits [0, 1) into the rates' bands, so the rates add up and never overlap. */
function randomFault(config: FaultConfig, seed: number, sequence: number): Fault | null {
  let draw = unit(seed, 'fault', sequence);
  for (const [rate, kind] of RATE_FAULTS) {
    draw -= config[rate] ?? 0;
    if (draw >= 0) continue;
    if (kind !== 'status') return { kind };
    return { kind, error: serverError(SERVER_ERRORS[hash(seed, 'fault-status', sequence) % SERVER_ERRORS.length]!) };
  }
  return null;
}

function validatedRule(rule: FaultRule): FaultRule {
  const kind = rule.kind ?? 'status';
  if (!FAULT_KINDS.includes(kind)) {
    throw new Error(`faults.inject: kind must be one of ${FAULT_KINDS.join(', ')}, got ${String(kind)}`);
  }
  const { times = 1 } = rule;
  if (times !== Infinity && !(Number.isSafeInteger(times) && times >= 1)) {
    throw new Error(`faults.inject: times must be a whole number >= 1 or Infinity, got ${times}`);
  }
  if (rule.kind === undefined || rule.kind === 'status') {
    const { status, retryAfterSeconds } = rule;
    if (!Number.isInteger(status) || (status !== 429 && (status < 500 || status > 599))) {
      throw new Error(`faults.inject: status must be 429 or 5xx, got ${status}`);
    }
    if (retryAfterSeconds !== undefined && (status !== 429 || !(Number.isSafeInteger(retryAfterSeconds) && retryAfterSeconds >= 0))) {
      throw new Error('faults.inject: retryAfterSeconds must be a whole number >= 0, with status 429');
    }
  } else if ('status' in rule || 'retryAfterSeconds' in rule) {
    throw new Error(`faults.inject: status and retryAfterSeconds apply only to kind 'status', not '${kind}'`);
  }
  if ((kind === 'mutate') !== ('mutate' in rule)) throw new Error("faults.inject: mutate goes with kind 'mutate', and only with it");
  if (rule.kind === 'mutate' && typeof rule.mutate !== 'function') throw new Error('faults.inject: mutate must be a function');
  return { ...rule }; // a copy, so later changes to the caller's object cannot skip validation
}

function validatedConfig(config: FaultConfig): FaultConfig {
  for (const name of ['latencyMs', 'jitterMs'] as const) {
    const value = config[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new Error(`faults.configure: ${name} must be a whole number >= 0, got ${value}`);
    }
  }
  let total = 0;
  for (const [name] of RATE_FAULTS) {
    const value = config[name] ?? 0;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new Error(`faults.configure: ${name} must be between 0 and 1, got ${value}`);
    }
    total += value;
  }
  if (total > 1) throw new Error(`faults.configure: errorRate + resetRate + hangRate + malformedRate is ${total}, more than 1`);
  const { rateLimits } = config;
  if (typeof rateLimits === 'object' && rateLimits !== null) {
    for (const name of ['analyticsPerSecond', 'otherPerSecond'] as const) {
      const value = rateLimits[name];
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
        throw new Error(`faults.configure: rateLimits.${name} must be a whole number >= 1, got ${value}`);
      }
    }
  } else if (rateLimits !== undefined && typeof rateLimits !== 'boolean') {
    throw new Error('faults.configure: rateLimits must be a boolean or { analyticsPerSecond?, otherPerSecond? }');
  }
  return { ...config };
}

function limitsOf(config: FaultConfig): Record<EndpointClass, number> | null {
  const { rateLimits } = config;
  if (!rateLimits) return null;
  if (rateLimits === true) return ORB_LIMITS;
  return {
    analytics: rateLimits.analyticsPerSecond ?? ORB_LIMITS.analytics,
    other: rateLimits.otherPerSecond ?? ORB_LIMITS.other,
  };
}

/**
 * A one-second sliding window per endpoint class on real (monotonic) time: the simulator clock is
 * moved by tests and says nothing about how fast a client calls. Rejected requests take no slot.
 */
function createRateLimiter(limits: Record<EndpointClass, number>): (endpoint: EndpointClass) => boolean {
  const admitted: Record<EndpointClass, number[]> = { analytics: [], other: [] };
  return (endpoint) => {
    const now = performance.now();
    const window = admitted[endpoint];
    while (window.length > 0 && window[0]! <= now - 1000) window.shift();
    if (window.length >= limits[endpoint]) return false;
    window.push(now);
    return true;
  };
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

function ruleFault(rule: FaultRule, request: number): Fault {
  switch (rule.kind) {
    case undefined:
    case 'status':
      return { kind: 'status', error: rule.status === 429 ? tooManyRequests(rule.retryAfterSeconds ?? 1) : serverError(rule.status) };
    case 'mutate':
      return { kind: 'mutate', mutate: rule.mutate };
    case 'repeat-page':
      return { kind: 'repeat-page', request };
    default:
      return { kind: rule.kind };
  }
}

export function createFaults(seed: number): FaultInjector {
  let rules: ActiveRule[] = [];
  let config: FaultConfig = {};
  let admit: ((endpoint: EndpointClass) => boolean) | null = null;
  let sequence = 0;

  function takeRule(path: string, request: number): Fault | null {
    const active = rules.find((r) => r.remaining > 0 && matchesPath(r.rule.path, path));
    if (!active) return null;
    active.remaining -= 1;
    rules = rules.filter((r) => r.remaining > 0);
    return ruleFault(active.rule, request);
  }

  return {
    inject(rule) {
      rules.push({ rule: validatedRule(rule), remaining: rule.times ?? 1 });
    },
    configure(next) {
      config = validatedConfig(next);
      const limits = limitsOf(config);
      admit = limits && createRateLimiter(limits);
    },
    clear() {
      rules = [];
      config = {};
      admit = null;
    },
    plan(method, path) {
      const n = sequence++;
      const delayMs = responseDelayMs(config, seed, n);
      // The limiter sits in front of everything, as Orb's does. A one-second window always has a
      // free slot within a second, so Retry-After is 1.
      if (admit && !admit(endpointClass(method, path))) {
        return { delayMs, fault: { kind: 'rate-limit', error: tooManyRequests(1) } };
      }
      return { delayMs, fault: takeRule(path, n) ?? randomFault(config, seed, n) };
    },
  };
}
