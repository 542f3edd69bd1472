/** A record of every authenticated request, so tests can assert how the client behaved (calls, retries). */
import { matchesPath } from './faults.js';

export interface RequestEntry {
  method: string;
  path: string; // without the /v1 prefix and query
  query: string; // raw query string, without "?"
  status: number;
}

export interface RequestLog {
  count(path?: string | RegExp): number;
  log(): RequestEntry[];
  reset(): void;
}

export interface RequestRecorder extends RequestLog {
  record(entry: RequestEntry): void;
}

export function createRequestLog(): RequestRecorder {
  let entries: RequestEntry[] = [];
  return {
    count: (path) => entries.filter((e) => matchesPath(path, e.path)).length,
    log: () => entries.map((e) => ({ ...e })),
    reset() {
      entries = [];
    },
    record(entry) {
      entries.push(entry);
    },
  };
}
