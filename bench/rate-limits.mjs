// (a) and (b): a whole sync against the simulator at Orb's analytics limits, as a user runs it.
// Orb bounds a sync by its analytics budget: one costs and one usage call per subscription at
// 10 requests/s (5 in test mode). The figure is wall time ÷ (analytics calls ÷ Orb's limit).
// (a) the simulator enforces Orb's limits and orb-sync is configured for them;
// (b) the simulator allows 5/s and orb-sync is still configured for 10/s: it must adapt.
// Usage: node bench/rate-limits.mjs   (BENCH_RATE_SUBSCRIPTIONS, BENCH_RATE_DAYS scale it down)
import { startSimulator, openTarget, runOrbSync, latestSummary, analyticsCalls, report, table, fmt, seconds, ratio, mark, envInt } from './lib.mjs';

const subscriptions = envInt('BENCH_RATE_SUBSCRIPTIONS', 1000);
const days = envInt('BENCH_RATE_DAYS', 90);
const customers = Math.max(1, Math.round(subscriptions / 5));

const cases = [
  { name: '(a) at Orb\'s limits', simulatorPerSecond: 10, configuredPerSecond: 10, target: 1.1 },
  { name: '(b) simulator at 5/s, orb-sync configured for 10/s', simulatorPerSecond: 5, configuredPerSecond: 10, target: 1.15 },
];

const rows = [];
const durations = [];
let simulatorArgs = '';
for (const bench of cases) {
  const simulator = await startSimulator({ subscriptions, customers, days, latencyMs: 20, jitterMs: 20, rateLimits: true });
  simulatorArgs = simulator.args.replace(/--port \d+ /, '');
  const target = await openTarget('duckdb', 'rates');
  try {
    await simulator.setFaults({ latencyMs: 20, jitterMs: 20, rateLimits: { analyticsPerSecond: bench.simulatorPerSecond } });
    await simulator.clearRequests();
    const run = await runOrbSync(['sync'], { ...target.env, ORB_BASE_URL: simulator.url, ORB_SYNC_ANALYTICS_RPS: String(bench.configuredPerSecond) });
    const requests = await simulator.requests();
    const summary = await latestSummary(target);
    // The work Orb's budget bounds: the analytics requests it answered (a 429 is retried, not work).
    const calls = requests.analyticsAnswered;
    const boundMs = (calls / bench.simulatorPerSecond) * 1000;
    const wallRatio = ratio(run.wallMs, boundMs);
    rows.push([
      bench.name,
      fmt(calls),
      seconds(boundMs),
      seconds(run.wallMs),
      `${fmt(wallRatio, 3)} (target ≤ ${bench.target}: ${mark(wallRatio <= bench.target)})`,
      `${fmt(requests.analyticsTooMany)} of ${fmt(analyticsCalls(summary))} analytics requests`,
      `${fmt(summary.settledRate.analytics, 2)}/s`,
    ]);
    durations.push(`${bench.name}: ${Object.entries(summary.durationsMs).map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')}`);
  } finally {
    await target.drop();
    await simulator.stop();
  }
}

report({
  title: `Syncing ${fmt(subscriptions)} subscriptions at Orb's rate limits`,
  command: 'node bench/rate-limits.mjs',
  lines: [
    `The simulator: \`orb-sync ${simulatorArgs}\`, then \`PUT /_simulator/faults/config\` with 20 ms latency, 20 ms jitter and`,
    'the analytics limit of each row. orb-sync: `orb-sync sync` into a new DuckDB file, `--analytics-rps 10`, everything else default.',
    'Bound = analytics calls Orb answered (costs + usage) ÷ the simulator\'s analytics limit. Wall is the whole',
    'command: process start, every stream, the model build.',
    '',
    table(['case', 'analytics calls answered', 'bound', 'wall', 'wall ÷ bound', 'answered 429', 'rate settled on'], rows),
    '',
    'Time per stream (the streams of one lane run one after another, the two lanes at the same time) and for the models:',
    '',
    ...durations.map((line) => `- ${line}`),
  ],
});
