// (e) Work proportional to change: an incremental sync costs the same whatever the length of history.
// For each engine, two simulators with the same account but 30 and 365 days of history are synced in
// full, then RUNS times each simulator's clock moves a day and `orb-sync sync` runs again, the two
// histories interleaved so machine noise hits both alike. Medians of those incremental syncs: wall
// time, Orb requests (all, and analytics) and model time from the run summary; target 365 ÷ 30 days
// ≤ 1.2. The clock moves 25 h, not 24: at exactly 24 h the once-a-day re-reads (every schedule, the
// customer list) are done or not by a few milliseconds, a coin toss in calls and time. The simulator
// recomputes costs per request on the same cores, so orb-sync's own CPU time is reported too.
// Usage: node bench/incremental.mjs   (BENCH_INCR_SUBSCRIPTIONS, BENCH_INCR_RUNS scale it; BENCH_INCR_ENGINES=duckdb)
import { startSimulator, openTarget, runOrbSync, latestSummary, totalCalls, analyticsCalls, stagingRows, median, report, table, fmt, seconds, ratio, mark, envInt } from './lib.mjs';

const subscriptions = envInt('BENCH_INCR_SUBSCRIPTIONS', 200);
const runs = envInt('BENCH_INCR_RUNS', 5);
const engines = (process.env.BENCH_INCR_ENGINES ?? 'duckdb,postgres').split(',');
const customers = Math.max(1, Math.round(subscriptions / 5));
const histories = [30, 365];
const TARGET = 1.2;
// One day (and an hour) later: see the header.
const ADVANCE = { days: 1, hours: 1 };
// High enough that no run waits on a rate limiter: the figure is the work, not Orb's budget.
const rates = { ORB_SYNC_ANALYTICS_RPS: '1000', ORB_SYNC_RPS: '1000' };

/** One sync of a history: its wall, CPU (orb-sync's and the simulator's) and the stored summary. */
async function sync(h) {
  const simulatorCpu = h.simulator.cpu();
  const run = await runOrbSync(['sync'], { ...h.target.env, ...rates, ORB_BASE_URL: h.simulator.url });
  const summary = await latestSummary(h.target);
  return { wallMs: run.wallMs, cpu: run.cpuSeconds, simulatorCpu: h.simulator.cpu() - simulatorCpu, calls: totalCalls(summary), analytics: analyticsCalls(summary), modelsMs: summary.durationsMs.models ?? 0, staging: stagingRows(summary), durationsMs: summary.durationsMs };
}

const rows = [];
const ratioRows = [];
const profile = [];
let simulatorArgs = '';
for (const engine of engines) {
  const byDays = new Map();
  try {
    for (const days of histories) {
      const simulator = await startSimulator({ subscriptions, customers, days });
      simulatorArgs = simulator.args.replace(/--port \d+ /, '').replace(/--days \d+/, '--days H');
      const h = { days, simulator, target: await openTarget(engine, `incr${days}`), incremental: [] };
      byDays.set(days, h);
      h.initial = await sync(h);
    }
    for (let i = 0; i < runs; i += 1) {
      const order = i % 2 === 0 ? histories : [...histories].reverse();
      for (const days of order) {
        const h = byDays.get(days);
        await h.simulator.advance(ADVANCE);
        h.incremental.push(await sync(h));
      }
    }
  } finally {
    for (const h of byDays.values()) {
      await h.target.drop();
      await h.simulator.stop();
    }
  }
  const med = (days, key) => median(byDays.get(days).incremental.map((run) => run[key]));
  for (const days of histories) {
    const { initial } = byDays.get(days);
    rows.push([engine, `${days} days`, `${seconds(initial.wallMs)}, ${fmt(initial.calls)} calls`, seconds(med(days, 'wallMs')), `${fmt(med(days, 'cpu'), 2)} s`, `${fmt(med(days, 'simulatorCpu'), 2)} s`,
      fmt(med(days, 'calls')), fmt(med(days, 'analytics')), `${fmt(med(days, 'modelsMs'))} ms`, fmt(med(days, 'staging'))]);
  }
  const r = (key) => ratio(med(365, key), med(30, key));
  const cell = (key) => `${fmt(r(key), 2)} (${mark(r(key) <= TARGET)})`;
  ratioRows.push([engine, cell('wallMs'), cell('calls'), cell('analytics'), cell('modelsMs'), `${fmt(r('cpu'), 2)} (${mark(r('cpu') <= TARGET)})`]);
  // Where the time of an incremental sync goes, per stream, for a history that grows.
  const streams = Object.keys(byDays.get(365).incremental[0].durationsMs);
  const perStream = (days, name) => median(byDays.get(days).incremental.map((run) => run.durationsMs[name] ?? 0));
  profile.push(`${engine}: ${streams.map((name) => `${name} ${fmt(perStream(30, name))} → ${fmt(perStream(365, name))} ms`).join(', ')}`);
}

report({
  title: `An incremental sync with 30 and 365 days of history (${fmt(subscriptions)} subscriptions)`,
  command: 'node bench/incremental.mjs',
  lines: [
    `The simulator: \`orb-sync ${simulatorArgs}\` with H = 30 and 365, no rate limits, no latency. orb-sync: \`orb-sync sync\``,
    `into a new DuckDB file or PostgreSQL schema, \`ORB_SYNC_ANALYTICS_RPS=1000 ORB_SYNC_RPS=1000\`, everything else default.`,
    `After the first (full) sync, ${runs} times: the simulator's clock moves one day and an hour (\`POST /_simulator/clock\``,
    '`{"advance":{"days":1,"hours":1}}`: every sync is then one that does the once-a-day re-reads of schedules and customers;',
    'at exactly 24 h whether it does is decided by milliseconds), then `orb-sync sync`; the two histories alternate.',
    'Medians of the incremental syncs; wall is the whole command; calls, model time and staging rows are from the run',
    'summary (`sync_runs.summary`). CPU: orb-sync\'s process, and the simulator\'s during the run (it recomputes costs and',
    'usage per request, on the same 2 cores). Numbers are noisy: a shared machine, other benchmarks may run at the same time.',
    '',
    table(['engine', 'history', 'first sync', 'wall', 'orb-sync CPU', 'simulator CPU', 'API calls', 'analytics calls', 'models', 'staging rows'], rows),
    '',
    `Ratio 365 days ÷ 30 days (target ≤ ${TARGET}):`,
    '',
    table(['engine', 'wall', 'API calls', 'analytics calls', 'model time', 'orb-sync CPU'], ratioRows),
    '',
    'Median time per stream and for the models, 30 → 365 days:',
    '',
    ...profile.map((line) => `- ${line}`),
  ],
});
