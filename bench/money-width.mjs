// Measures what DECIMAL(38,18) money costs against DECIMAL(18,6) in DuckDB, for the work the
// models do: the daily delta of cumulative amounts (LAG over a billing period) and a sum.
// Usage: npm run bench [-- ROWS]   (default 2,000,000 rows: e.g. 5,000 subscriptions × 100 days × 4 prices)
import { DuckDBInstance } from '@duckdb/node-api';

const rows = Number(process.argv[2] ?? 2_000_000);
const runs = 5;
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(sql) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await db.run(sql);
    times.push(performance.now() - start);
  }
  return median(times);
}

const results = [];
for (const type of ['DECIMAL(18,6)', 'DECIMAL(38,18)']) {
  const table = type.includes('38') ? 'wide' : 'narrow';
  // Cumulative amounts with 6 decimals: both types hold them exactly, so only the width differs.
  await db.run(`create or replace table ${table} as
    select i // 400 as subscription_id, i % 4 as price_id, (i // 4) % 100 as day, (i // 4) % 100 // 30 as period,
           cast(((i * 7919) % 1000000007) / 1000000.0 as ${type}) as cumulative_total
    from range(${rows}) t(i)`);
  const lag = await timed(`create or replace temp table deltas as
    select subscription_id, price_id, day,
           cumulative_total - coalesce(lag(cumulative_total) over w, 0) as total
    from ${table}
    window w as (partition by subscription_id, price_id, period order by day)`);
  const sum = await timed(`create or replace temp table sums as select price_id, sum(cumulative_total) as s from ${table} group by price_id`);
  results.push({ type, lag, sum });
}

console.log(`DuckDB ${rows.toLocaleString('en-US')} rows, median of ${runs} runs (ms)`);
console.log('| money type | daily delta (LAG) | sum by price |');
console.log('|---|---|---|');
for (const { type, lag, sum } of results) console.log(`| ${type} | ${lag.toFixed(0)} | ${sum.toFixed(0)} |`);
const [narrow, wide] = results;
console.log(`\nwide / narrow: LAG ×${(wide.lag / narrow.lag).toFixed(2)}, sum ×${(wide.sum / narrow.sum).toFixed(2)}`);
instance.closeSync();
