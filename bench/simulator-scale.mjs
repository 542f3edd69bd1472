// Starts `orb-sync simulate` at scale as a child process and measures what a user would: time until
// it listens, its memory, and how long it takes to serve a full page of subscriptions and one year
// of daily costs (both view modes) and usage for the oldest subscription (medians of 5 requests).
// Usage: node bench/simulator-scale.mjs [SUBSCRIPTIONS] [DAYS] [CUSTOMERS]   (default 10000 365 2000)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fmt, report, table } from './lib.mjs';

const [subscriptions = '10000', days = '365', customers = '2000'] = process.argv.slice(2);
const port = 12000 + Math.floor(Math.random() * 5000);
const now = '2026-06-15T12:00:00Z';
const args = ['bin/orb-sync.js', 'simulate', '--port', String(port), '--subscriptions', subscriptions, '--days', days, '--customers', customers, '--now', now];

const started = performance.now();
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  child.stdout.on('data', (chunk) => String(chunk).includes('listening') && resolve());
  child.once('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
});
const startupMs = performance.now() - started;

/** Resident memory of the simulator process (Linux), in MiB. */
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

const base = `http://127.0.0.1:${port}/v1`;
async function timed(path) {
  const t = performance.now();
  const response = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer bench' } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
}

/** Median time of five identical requests (the simulator is deterministic, so the body is the same). */
async function median(path) {
  const runs = [];
  for (let i = 0; i < 5; i += 1) runs.push(await timed(path));
  runs.sort((a, b) => a.ms - b.ms);
  return runs[2];
}

const rows = [];
const record = (what, ms, detail) => rows.push({ what, ms: Math.round(ms), detail, rss: Math.round(rssMiB()) });
rows.push({ what: 'start and listen', ms: Math.round(startupMs), detail: `${subscriptions} subscriptions, ${customers} customers, ${days} days`, rss: Math.round(rssMiB()) });

const page = await median('/subscriptions?limit=100');
record('GET /subscriptions?limit=100', page.ms, `${page.body.data.length} subscriptions`);
let cursor = page.body.pagination_metadata.next_cursor;
const pages = performance.now();
let listed = page.body.data.length;
const oldest = [];
while (cursor) {
  const next = await timed(`/subscriptions?limit=100&cursor=${cursor}`);
  listed += next.body.data.length;
  oldest.splice(0, oldest.length, ...next.body.data);
  cursor = next.body.pagination_metadata.next_cursor;
}
record('list every subscription (100 per page)', performance.now() - pages, `${listed} subscriptions`);

const target = oldest.filter((s) => s.status === 'active').at(-1);
const yearAgo = new Date(Date.parse(now) - 365 * 86_400_000).toISOString();
for (const mode of ['periodic', 'cumulative']) {
  const costs = await median(`/subscriptions/${target.id}/costs?view_mode=${mode}&timeframe_start=${yearAgo}`);
  record(`one year of costs (${mode})`, costs.ms, `${costs.body.data.length} daily windows, plan ${target.plan.name}`);
}
const usage = await median(`/subscriptions/${target.id}/usage?granularity=day&timeframe_start=${yearAgo}&timeframe_end=${now}`);
record('one year of daily usage', usage.ms, `${usage.body.data.length} metrics × ${usage.body.data[0]?.usage.length ?? 0} days`);
const volume = await median(`/events/volume?timeframe_start=${new Date(Date.parse(now) - 86_400_000).toISOString()}&limit=24`);
record('one day of hourly event volume', volume.ms, `${volume.body.data.length} hours`);

child.kill('SIGTERM');
report({
  title: `The simulator at scale: ${fmt(Number(subscriptions))} subscriptions × ${days} days`,
  command: 'node bench/simulator-scale.mjs',
  lines: [
    `It starts \`orb-sync ${args.slice(1).join(' ').replace(/--port \d+ /, '')}\` as a child process and times HTTP requests`,
    'against it; per-request figures are the median of 5. Memory stays flat while serving because nothing per event, hour',
    'or day is stored: every event, usage figure and cost is recomputed from a hash of (seed, customer, metric, hour) when',
    'asked. That recomputation is CPU time the other benchmarks\' walls include.',
    '',
    table(['step', 'time', 'detail', 'simulator RSS after'], rows.map((r) => [r.what, `${fmt(r.ms)} ms`, r.detail, `${fmt(r.rss)} MiB`])),
  ],
});
