// Shared helpers of the benchmarks: the simulator and orb-sync as child processes (as a user runs
// them), their wall time, CPU time and peak RSS, the run summary orb-sync stores in sync_runs, and
// markdown output. Nothing here is timed itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const BIN = join(ROOT, 'bin/orb-sync.js');
const PRELOAD = join(ROOT, 'bench/peak-rss-preload.mjs');
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export const today = () => new Date().toISOString().slice(0, 10);
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
export const sum = (values) => values.reduce((a, b) => a + b, 0);
export const fmt = (n, digits = 0) => (n === undefined || n === null || Number.isNaN(n) ? '–' : Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
export const seconds = (ms) => `${fmt(ms / 1000, 1)} s`;
export const ratio = (a, b) => (b > 0 ? a / b : NaN);
export const mark = (ok) => (ok ? 'met' : '**not met**');

/** A directory of scratch files, removed by cleanup(). */
export function scratch(prefix = 'orb-bench-') {
  return mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), prefix));
}

/** CPU seconds (user + system) of a live process, from /proc. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** A /proc/<pid>/status figure in MiB (VmRSS, VmHWM). */
export function statusMiB(pid, field) {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return NaN;
  }
}

/**
 * `orb-sync simulate` as a child process. Returns its URL, pid and the control API.
 * options: subscriptions, customers, days, now, latencyMs, jitterMs, rateLimits, seed.
 */
export async function startSimulator(options) {
  const port = options.port ?? 20000 + Math.floor(Math.random() * 20000);
  const args = [BIN, 'simulate', '--port', String(port), '--subscriptions', String(options.subscriptions), '--customers', String(options.customers),
    '--days', String(options.days), '--now', options.now ?? '2026-06-15T12:00:00Z', '--seed', String(options.seed ?? 1)];
  if (options.latencyMs) args.push('--latency-ms', String(options.latencyMs));
  if (options.jitterMs) args.push('--jitter-ms', String(options.jitterMs));
  if (options.rateLimits) args.push('--rate-limits');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolvePromise, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('listening')) resolvePromise();
    });
    child.once('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const control = async (method, path, body) => {
    const response = await fetch(`${url}/_simulator${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = response.status === 204 ? {} : await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    pid: child.pid,
    args: args.slice(1).join(' '),
    control,
    cpu: () => cpuSeconds(child.pid),
    rssMiB: () => statusMiB(child.pid, 'VmRSS'),
    setFaults: (config) => control('PUT', '/faults/config', config),
    clearFaults: () => control('DELETE', '/faults'),
    advance: (by) => control('POST', '/clock', { advance: by }),
    /** Requests since the last clear: counts by endpoint, how many were answered 429, and the analytics (costs, usage) answered 200 or 429. */
    async requests() {
      const log = await control('GET', '/requests');
      const analytics = log.log.filter((entry) => entry.method === 'GET' && /^\/subscriptions\/[^/]+\/(costs|usage)$/.test(entry.path));
      return {
        total: log.total,
        byEndpoint: log.by_endpoint,
        tooMany: log.log.filter((entry) => entry.status === 429).length,
        analyticsAnswered: analytics.filter((entry) => entry.status === 200).length,
        analyticsTooMany: analytics.filter((entry) => entry.status === 429).length,
      };
    },
    clearRequests: () => control('DELETE', '/requests'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs `orb-sync <args>` as a child process and measures it from outside: wall time, CPU time
 * and peak RSS (VmHWM, read by a preloaded module as the process exits: for DuckDB the engine is
 * in the process, for PostgreSQL only the client is). `nodeArgs` (e.g. --cpu-prof) go to node.
 */
export async function runOrbSync(args, env, { nodeArgs = [], echo = false, sampleMs = 0 } = {}) {
  const dir = scratch('orb-bench-run-');
  const peakFile = join(dir, 'peak.json');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PRELOAD, ...nodeArgs, BIN, ...args], {
    env: { ...process.env, ORB_API_KEY: 'bench', ORB_SYNC_LOG_LEVEL: 'warn', ...env, BENCH_PEAK_FILE: peakFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  // RSS over time (to tell growth with the account from a one-off peak), and the CPU time.
  const samples = [];
  const sampler = sampleMs > 0 ? setInterval(() => samples.push({ s: (performance.now() - started) / 1000, rssMiB: statusMiB(child.pid, 'VmRSS') }), sampleMs) : undefined;
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (echo) process.stderr.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (echo) process.stderr.write(chunk);
  });
  const code = await new Promise((r) => child.once('exit', (c) => r(c)));
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const peak = existsSync(peakFile) ? JSON.parse(readFileSync(peakFile, 'utf8')) : {};
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`orb-sync ${args.join(' ')} exited ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
  return { wallMs, stdout, stderr, peakRssMiB: peak.vmHwmKiB / 1024, cpuSeconds: peak.cpuSeconds, heapUsedMiB: peak.heapUsedMiB, samples: samples.filter((x) => !Number.isNaN(x.rssMiB)) };
}

/** Where a run writes: a fresh DuckDB file or a fresh PostgreSQL schema, and how to read it back. */
export async function openTarget(engine, name) {
  if (engine === 'duckdb') {
    const dir = scratch('orb-bench-db-');
    const path = join(dir, `${name}.duckdb`);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    return {
      engine,
      env: { ORB_SYNC_DESTINATION: `duckdb:${path}`, ORB_SYNC_SCHEMA: 'orb' },
      destination: `duckdb:${path}`,
      schema: 'orb',
      async query(text) {
        const instance = await DuckDBInstance.create(path);
        try {
          const connection = await instance.connect();
          const reader = await connection.runAndReadAll(text.replaceAll('{schema}', 'orb'));
          const rows = reader.getRowObjectsJson();
          connection.closeSync();
          return rows;
        } finally {
          instance.closeSync();
        }
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { default: pg } = await import('pg');
  const schema = `bench_${name}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  return {
    engine,
    env: { ORB_SYNC_DESTINATION: PG_URL, ORB_SYNC_SCHEMA: schema },
    destination: PG_URL,
    schema,
    async query(text) {
      return (await client.query(text.replaceAll('{schema}', schema))).rows;
    },
    async drop() {
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/** The summary (sync_runs.summary) of the latest run in a target. */
export async function latestSummary(target) {
  const [row] = await target.query('select summary from {schema}.sync_runs order by run_id desc limit 1');
  return typeof row.summary === 'string' ? JSON.parse(row.summary) : row.summary;
}

const ANALYTICS = ['GET /subscriptions/{id}/costs', 'GET /subscriptions/{id}/usage'];
/** Requests to Orb's analytics endpoints (costs, usage) in a summary, retries included. */
export const analyticsCalls = (summary) => sum(ANALYTICS.map((endpoint) => summary.apiCalls[endpoint] ?? 0));
export const totalCalls = (summary) => sum(Object.values(summary.apiCalls));
export const stagingRows = (summary) => sum(Object.values(summary.stagingRows));

/** A markdown table. */
export function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** Prints a figure group: heading, date, command, table, notes. */
export function report({ title, command, lines }) {
  console.log(`\n## ${title}\n`);
  console.log(`Command: \`${command}\` (${today()}, node ${process.version}, ${process.env.BENCH_HOST_NOTE ?? '2 cores'})\n`);
  for (const line of lines) console.log(line);
}

/** An integer from the environment (scale-down knobs), else the default. */
export function envInt(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number(value);
}
