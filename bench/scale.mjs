// (c) A first sync of a large account without rate limits: 10,000 subscriptions × 365 days into
// DuckDB and PostgreSQL. Wall time, staging rows per second, and the peak resident memory of the
// orb-sync process (VmHWM; with DuckDB the engine runs inside it, with PostgreSQL only the client
// does), with a smaller account beside it to show memory does not grow with the account.
// Usage: node bench/scale.mjs   (BENCH_SCALE_SUBSCRIPTIONS=10000,1000 and BENCH_SCALE_DAYS scale it;
// BENCH_ENGINES=duckdb,postgres picks the engines)
import { startSimulator, openTarget, runOrbSync, latestSummary, stagingRows, totalCalls, report, table, fmt, seconds, mark, envInt } from './lib.mjs';

const sizes = (process.env.BENCH_SCALE_SUBSCRIPTIONS ?? '1000,10000').split(',').map(Number);
const days = envInt('BENCH_SCALE_DAYS', 365);
const engines = (process.env.BENCH_ENGINES ?? 'duckdb,postgres').split(',');
for (const engine of engines) if (!['duckdb', 'postgres'].includes(engine)) throw new Error(`BENCH_ENGINES: no engine ${engine} (duckdb, postgres)`);
const TARGET_MIB = 300;

const rows = [];
const curves = [];
let simulatorArgs = '';
for (const subscriptions of sizes) {
  const simulator = await startSimulator({ subscriptions, customers: Math.max(1, Math.round(subscriptions / 5)), days });
  simulatorArgs = simulator.args.replace(/--port \d+ /, '');
  try {
    for (const engine of engines) {
      const target = await openTarget(engine, 'scale');
      try {
        // No rate limits in the simulator; orb-sync's limiters set high enough not to pace.
        const env = { ...target.env, ORB_BASE_URL: simulator.url, ORB_SYNC_ANALYTICS_RPS: '100000', ORB_SYNC_RPS: '100000' };
        const run = await runOrbSync(['sync'], env, { sampleMs: 2000 });
        const summary = await latestSummary(target);
        const staged = stagingRows(summary);
        rows.push([
          engine,
          fmt(subscriptions),
          seconds(run.wallMs),
          fmt(totalCalls(summary)),
          fmt(staged),
          fmt(staged / (run.wallMs / 1000)),
          seconds((summary.durationsMs.models ?? 0)),
          `${fmt(run.peakRssMiB)} MiB (target ≤ ${TARGET_MIB}: ${mark(run.peakRssMiB <= TARGET_MIB)})`,
        ]);
        // Resident memory at each fifth of the run: flat means it does not grow with what was read.
        const fifths = [1, 2, 3, 4, 5].map((k) => run.samples[Math.min(run.samples.length - 1, Math.floor((k * run.samples.length) / 5) - 1)]);
        curves.push(`${engine}, ${fmt(subscriptions)} subscriptions: ${fifths.filter(Boolean).map((s) => `${fmt(s.s)} s ${fmt(s.rssMiB)} MiB`).join(' → ')}`);
      } finally {
        await target.drop();
      }
    }
  } finally {
    await simulator.stop();
  }
}

report({
  title: `A first sync of ${sizes.map((n) => fmt(n)).join(' and ')} subscriptions × ${days} days, no rate limits`,
  command: 'node bench/scale.mjs',
  lines: [
    `The simulator: \`orb-sync ${simulatorArgs}\` (customers = subscriptions ÷ 5), in its own process on the same 2 cores: its`,
    'CPU time (it recomputes every cost from its seed) is part of the wall time. orb-sync: `orb-sync sync` with',
    '`--analytics-rps 100000 --rps 100000`, every other setting at its default (`--duckdb-memory-limit 100MB`), into a new DuckDB file',
    'or a new PostgreSQL schema. Peak RSS is VmHWM of the orb-sync process as it exits.',
    '',
    table(['engine', 'subscriptions', 'wall', 'API calls', 'staging rows', 'rows/s', 'models', 'peak RSS'], rows),
    '',
    'Resident memory of the orb-sync process over the run (sampled every 2 s, at each fifth of the run):',
    '',
    ...curves.map((line) => `- ${line}`),
  ],
});
