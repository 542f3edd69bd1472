/** A record of every authenticated request, so tests can assert how the client behaved (calls, retries). */
import { matchesPath, type AppliedFault } from './faults.js';
import { ROUTES } from './routes/index.js';

export interface RequestEntry {
  method: string;
  path: string; // without the /v1 prefix and query
  query: string; // raw query string, without "?"
  status: number; // 0 when no response was completed (a reset or a hang)
  fault?: AppliedFault; // set when a fault was applied
}

export interface RequestLog {
  count(path?: string | RegExp): number;
  /** Requests per endpoint, keyed like `GET /subscriptions/{id}/costs` (a path no route serves stays as is). */
  countsByEndpoint(): Record<string, number>;
  log(): RequestEntry[];
  reset(): void;
}

export interface RequestRecorder extends RequestLog {
  record(entry: RequestEntry): void;
}

// The `d` flag reports where each capture group matched, so the ids in a path can be replaced; /g
// and /y would make exec() stateful.
const INDEXED_ROUTES = ROUTES.map(({ method, pattern }) => ({
  method,
  pattern: new RegExp(pattern, `${pattern.flags.replace(/[dgy]/g, '')}d`),
}));

/** The route's template, e.g. `GET /subscriptions/{id}/costs`: each captured path segment becomes `{id}`. */
export function endpointOf(method: string, path: string): string {
  for (const route of INDEXED_ROUTES) {
    const indices = route.method === method ? route.pattern.exec(path)?.indices : undefined;
    if (!indices) continue;
    let template = '';
    let from = 0;
    for (const span of indices.slice(1)) {
      if (!span) continue;
      template += `${path.slice(from, span[0])}{id}`;
      from = span[1];
    }
    return `${method} ${template}${path.slice(from)}`;
  }
  return `${method} ${path}`;
}

export function createRequestLog(): RequestRecorder {
  let entries: RequestEntry[] = [];
  return {
    count: (path) => entries.filter((e) => matchesPath(path, e.path)).length,
    countsByEndpoint() {
      const counts: Record<string, number> = {};
      for (const { method, path } of entries) {
        const endpoint = endpointOf(method, path);
        counts[endpoint] = (counts[endpoint] ?? 0) + 1;
      }
      return counts;
    },
    log: () => entries.map((e) => ({ ...e })),
    reset() {
      entries = [];
    },
    record(entry) {
      entries.push(entry);
    },
  };
}
