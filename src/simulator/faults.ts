/** Injected failures: the next N requests matching a path fail with an Orb error instead of being served. */
import { serverError, tooManyRequests, type OrbApiError } from './orb-errors.js';

export interface FaultRule {
  path?: string | RegExp;
  status: number;
  times?: number;
  retryAfterSeconds?: number;
}

export interface Faults {
  inject(rule: FaultRule): void;
  clear(): void;
}

export interface FaultInjector extends Faults {
  /** Consumes one use of the first rule matching `path` and returns the error to send, if any. */
  take(path: string): OrbApiError | null;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

export function matchesPath(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string') return pattern === path;
  pattern.lastIndex = 0; // a /g or /y pattern would otherwise resume from its previous match
  return pattern.test(path);
}

export function createFaults(): FaultInjector {
  let rules: ActiveRule[] = [];
  return {
    inject(rule) {
      if (rule.status !== 429 && (rule.status < 500 || rule.status > 599)) {
        throw new Error(`faults.inject: status must be 429 or 5xx, got ${rule.status}`);
      }
      rules.push({ rule, remaining: rule.times ?? 1 });
    },
    clear() {
      rules = [];
    },
    take(path) {
      const active = rules.find((r) => r.remaining > 0 && matchesPath(r.rule.path, path));
      if (!active) return null;
      active.remaining -= 1;
      rules = rules.filter((r) => r.remaining > 0);
      const { status, retryAfterSeconds } = active.rule;
      return status === 429 ? tooManyRequests(retryAfterSeconds ?? 1) : serverError(status);
    },
  };
}
