/** `orb-sync schedule` as a child process, the way a user or a container runs it, with its log at hand. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { DestinationTarget } from '../../src/config.js';
import { parseMetrics } from './prometheus.js';

const BIN = join(import.meta.dirname, '../../bin/orb-sync.js');

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface ScheduleProcess {
  child: ChildProcessWithoutNullStreams;
  /** The JSON log lines so far (the CLI logs JSON when stderr is not a terminal). */
  logs(): LogLine[];
  /** Everything on stderr so far, JSON or not. */
  stderr(): string;
  /** The base URL of --listen, once it is listening. */
  url: Promise<string>;
  exited: Promise<number | null>;
  health(): Promise<{ status: number; body: HealthBody }>;
  metrics(): Promise<ReturnType<typeof parseMetrics>>;
}

export interface HealthBody {
  status: 'ok' | 'failing';
  last_run: { status: string; trigger: string; started_at: string; finished_at: string; run_id?: string; error?: string } | null;
  next_run: string;
  running: boolean;
}

/** The environment that points orb-sync at the simulator and the destination, with generous client limits. */
export function syncEnv(baseUrl: string, target: DestinationTarget, schema: string): Record<string, string> {
  return {
    ORB_API_KEY: 'test-key',
    ORB_BASE_URL: baseUrl,
    ORB_SYNC_DESTINATION: target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url,
    ORB_SYNC_SCHEMA: schema,
    ORB_SYNC_ANALYTICS_RPS: '1000',
    ORB_SYNC_RPS: '1000',
  };
}

export function startSchedule(args: string[], env: Record<string, string>): ScheduleProcess {
  const child = spawn(process.execPath, [BIN, 'schedule', ...args], { env: { PATH: process.env.PATH!, ...env } });
  let stderr = '';
  let parsedUpTo = 0;
  const logs: LogLine[] = [];
  let resolveUrl: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const end = stderr.lastIndexOf('\n') + 1;
    for (const text of stderr.slice(parsedUpTo, end).split('\n')) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      if (line.msg.startsWith('listening') && typeof line.url === 'string') resolveUrl(line.url);
    }
    parsedUpTo = end;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const listening = Promise.race([url, exited.then((code) => Promise.reject(new Error(`orb-sync schedule exited ${code} before listening:\n${stderr}`)))]);
  listening.catch(() => undefined); // a test that expects the process to fail never asks for the URL
  const get = async (path: string) => fetch(`${await listening}${path}`);
  return {
    child,
    logs: () => [...logs],
    stderr: () => stderr,
    url: listening,
    exited,
    async health() {
      const response = await get('/healthz');
      return { status: response.status, body: (await response.json()) as HealthBody };
    },
    async metrics() {
      const response = await get('/metrics');
      if (response.headers.get('content-type') !== 'text/plain; version=0.0.4; charset=utf-8') throw new Error('not Prometheus text 0.0.4');
      return parseMetrics(await response.text());
    },
  };
}

/** A port free right now, for a server to be started later (the simulator must know it first). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits, bounded, for `check` to stop throwing. */
export function eventually<T>(check: () => T | Promise<T>, timeout = 30_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 50 });
}
