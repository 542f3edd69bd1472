// (d) orb-sync's load path against the engine's own bulk path, for the same rows.
// The rows: a first sync's costs of BENCH_LOAD_SUBSCRIPTIONS subscriptions × 365 days × 5 prices
// (cumulative windows with 12-decimal amounts, Orb's response shape), run through the real
// subscription_costs stream (parse, toVersions, cursor, coverage; untimed) and cut into commits
// the way a sync cuts them (≤ 50 partitions or ≤ 10,000 rows). Each commit goes, timed:
//   raw         the engine's bulk path in one transaction: DuckDB's appender with typed values
//               (decimal strings → DECIMAL(38,18) units), PostgreSQL's COPY FROM STDIN
//               (pg-copy-streams) with hand-built text lines;
//   bulkLoad    destination.transaction + tx.bulkLoad per table (the loader's bulk path);
//   commitBatch what a sync runs per commit: dedupe against the stored hashes, load_id, cursors
//               (versions are keyed and hashed as they are read, outside the writer, untimed).
// All three load the same day rows (raw_subscription_cost_days) and price rows
// (raw_subscription_price_costs) into identical, migrated, emptied tables (commitBatch also the
// few raw_prices rows). Runs are interleaved (order rotated each repetition); medians of BENCH_LOAD_REPS.
// Usage: node bench/load-path.mjs   (BENCH_LOAD_SUBSCRIPTIONS, BENCH_LOAD_REPS scale it down;
// BENCH_LOAD_ENGINES=postgres measures one engine)
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBDecimalValue, DuckDBInstance, DuckDBTimestampTZValue } from '@duckdb/node-api';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { openDestination } from '../dist/destinations/open-destination.js';
import { migrate } from '../dist/destinations/migrate.js';
import { ensureViews } from '../dist/models/build-models.js';
import { RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_PRICE_COSTS } from '../dist/schema/staging.js';
import { subscriptionCostsStream as stream } from '../dist/streams/subscription-costs.js';
import { commitBatch, keyedVersions } from '../dist/sync/loader.js';
import { PG_URL, scratch, report, table, fmt, ratio, mark, median, envInt } from './lib.mjs';
import { loadSettings } from '../dist/config.js';

/** orb-sync's default, as a sync would open the file. */
const DUCKDB_MEMORY_LIMIT = loadSettings({ env: {} }).duckdbMemoryLimit;

const subscriptions = envInt('BENCH_LOAD_SUBSCRIPTIONS', 92); // × 365 days × (1 day + 5 price rows) ≈ 200,000 rows
const reps = envInt('BENCH_LOAD_REPS', 5);
const engines = (process.env.BENCH_LOAD_ENGINES ?? 'duckdb,postgres').split(',');
const DAYS = 365;
const PRICES = 5;
const BATCH = { partitions: 50, rows: 10_000 }; // src/sync/run-partitioned-stream.ts

// ---- The rows: Orb-shaped cumulative cost windows through the real stream code (untimed) ----
const day0 = Date.parse('2025-06-15T00:00:00Z');
const DAY_MS = 86_400_000;
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const amount = (max) => (random() * max).toFixed(12); // "123.456789012345"
const prices = Array.from({ length: PRICES }, (_, i) => ({
  model_type: 'unit', unit_config: { unit_amount: `0.00000${i + 1}234567` }, metadata: {}, id: `price_bench${i}`, name: `Price ${i}`,
  external_price_id: null, replaces_price_id: null, price_type: 'usage_price', created_at: '2025-05-16T00:00:00Z', cadence: 'monthly',
  billing_mode: 'in_arrear', billing_cycle_configuration: { duration: 1, duration_unit: 'month' }, invoicing_cycle_configuration: null,
  billable_metric: { id: `bm_bench${i}` }, fixed_price_quantity: null, plan_phase_order: null, currency: 'USD', conversion_rate: null,
  conversion_rate_config: null, item: { id: `item_bench${i}`, name: `Price ${i}` }, credit_allocation: null, composite_price_filters: null,
  invoice_grouping_key: null, discount: null, minimum: null, minimum_amount: null, maximum: null, maximum_amount: null,
}));
const streamCtx = { settings: { lookbackDays: 2, startDate: undefined } };

function partitionItem(index) {
  const s = { subscription_id: `sub_bench${String(index).padStart(5, '0')}`, customer_timezone: 'UTC', start_date: new Date(day0).toISOString(), end_date: null };
  const window = { from: new Date(day0), to: new Date(day0 + DAYS * DAY_MS) };
  const units = [];
  let cumulative = prices.map(() => [0, 0]);
  for (let d = 0; d < DAYS; d += 1) {
    if (d % 30 === 0) cumulative = prices.map(() => [0, 0]); // a billing period every 30 days
    const perPrice = prices.map((price, i) => {
      cumulative[i] = [cumulative[i][0] + Math.floor(random() * 1000), cumulative[i][1] + Number(amount(50))];
      return { quantity: cumulative[i][0], subtotal: cumulative[i][1].toFixed(12), total: cumulative[i][1].toFixed(12), price, price_id: price.id };
    });
    const total = perPrice.reduce((sum, p) => sum + Number(p.total), 0).toFixed(12);
    units.push({ subtotal: total, total, timeframe_start: new Date(day0 + (d - (d % 30)) * DAY_MS).toISOString(), timeframe_end: new Date(day0 + (d + 1) * DAY_MS).toISOString(), per_price_costs: perPrice });
  }
  const accepted = units.map((unit) => stream.parse(unit, s, streamCtx));
  // Keyed and hashed as a sync does it, while other reads are in flight (untimed here too).
  const versions = keyedVersions(accepted.flatMap((w) => stream.toVersions(w, s)));
  return { partition: s.subscription_id, versions, cursor: stream.nextCursor(accepted, s, window, undefined, streamCtx), coverage: stream.coverage(accepted, s, window, streamCtx) };
}

/** Commits as a sync cuts them; per commit, the rows commitBatch appends to the two cost tables. */
function commits() {
  const batches = [];
  let items = [];
  let counted = 0;
  const flush = () => {
    const loadId = String(batches.length + 1);
    const days = [];
    const priceRows = [];
    for (const { versions } of items) {
      for (const { version: v, hash } of versions.filter((x) => x.version.table === RAW_SUBSCRIPTION_COST_DAYS)) {
        days.push({ ...v.row, run_id: '1', load_id: loadId, extracted_at: new Date(), content_hash: hash });
        for (const row of v.children[0].rows) priceRows.push({ ...row, run_id: '1', load_id: loadId });
      }
    }
    batches.push({ items, days, prices: priceRows });
    items = [];
    counted = 0;
  };
  for (let i = 0; i < subscriptions; i += 1) {
    const item = partitionItem(i);
    items.push(item);
    counted += item.versions.reduce((n, { version: v }) => n + 1 + v.children.reduce((m, c) => m + c.rows.length, 0), 0);
    if (items.length >= BATCH.partitions || counted >= BATCH.rows) flush();
  }
  if (items.length > 0) flush();
  return batches;
}

// ---- The raw engine paths ----
const units = (text) => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(18, '0'));
};
const micros = (date) => new DuckDBTimestampTZValue(BigInt(date.getTime()) * 1000n);
const decimal = (a, text) => (text === null ? a.appendNull() : a.appendDecimal(new DuckDBDecimalValue(units(text), 38, 18)));
const text = (a, value) => (value === null ? a.appendNull() : a.appendVarchar(value));
const bool = (a, value) => (value === null ? a.appendNull() : a.appendBoolean(value));
/** Each table's columns in the DDL's physical order (sql/001, 003, 005), typed. */
const duckRows = {
  raw_subscription_cost_days: (a, r) => {
    a.appendBigInt(BigInt(r.run_id)); a.appendBigInt(BigInt(r.load_id)); a.appendTimestampTZ(micros(r.extracted_at));
    a.appendVarchar(r.subscription_id); a.appendVarchar(r.day); a.appendTimestampTZ(micros(r.timeframe_start)); a.appendTimestampTZ(micros(r.timeframe_end));
    decimal(a, r.subtotal); decimal(a, r.total); a.appendVarchar(r.content_hash);
    text(a, r.period_first_day); bool(a, r.before_start_date); bool(a, r.is_deleted);
  },
  raw_subscription_price_costs: (a, r) => {
    a.appendBigInt(BigInt(r.run_id)); a.appendBigInt(BigInt(r.load_id)); a.appendVarchar(r.subscription_id); a.appendVarchar(r.day);
    a.appendTimestampTZ(micros(r.timeframe_start)); a.appendTimestampTZ(micros(r.timeframe_end)); a.appendVarchar(r.price_id);
    text(a, r.billable_metric_id); a.appendVarchar(r.currency); decimal(a, r.quantity); decimal(a, r.subtotal); decimal(a, r.total);
  },
};
const field = (v) => (v === null ? '\\N' : v instanceof Date ? v.toISOString() : String(v)); // the values need no escaping
const copyColumns = { raw_subscription_cost_days: Object.keys(RAW_SUBSCRIPTION_COST_DAYS.columns), raw_subscription_price_costs: Object.keys(RAW_SUBSCRIPTION_PRICE_COSTS.columns) };
function* copyText(columns, rows) {
  for (let i = 0; i < rows.length; i += 500) yield rows.slice(i, i + 500).map((r) => columns.map((c) => field(r[c])).join('\t')).join('\n') + '\n';
}

/** The raw side: an identically migrated destination, written through the engine's own API. */
async function openRaw(engine, path, schema) {
  const setup = await openDestination(engine === 'duckdb' ? { engine, path } : { engine, url: PG_URL }, schema);
  await migrate(setup);
  await setup.close();
  if (engine === 'duckdb') {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const catalog = String((await connection.runAndReadAll('select current_database() as c')).getRowObjects()[0].c);
    return {
      async load(batch) {
        await connection.run('begin');
        for (const [name, rows] of [['raw_subscription_cost_days', batch.days], ['raw_subscription_price_costs', batch.prices]]) {
          const appender = await connection.createAppender(name, schema, catalog);
          for (const row of rows) {
            duckRows[name](appender, row);
            appender.endRow();
          }
          appender.flushSync();
          appender.closeSync();
        }
        await connection.run('commit');
      },
      empty: async () => {
        for (const name of Object.keys(duckRows)) await connection.run(`truncate "${schema}".${name}`);
        await connection.run('checkpoint');
      },
      close: async () => { connection.closeSync(); instance.closeSync(); },
    };
  }
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    async load(batch) {
      await client.query('begin');
      for (const [name, rows] of [['raw_subscription_cost_days', batch.days], ['raw_subscription_price_costs', batch.prices]]) {
        const columns = copyColumns[name];
        await pipeline(Readable.from(copyText(columns, rows)), client.query(copyStreams.from(`copy ${name} (${columns.join(', ')}) from stdin`)));
      }
      await client.query('commit');
    },
    empty: () => client.query('truncate raw_subscription_cost_days, raw_subscription_price_costs'),
    close: () => client.end(),
  };
}

// ---- The runs ----
const batches = commits();
const dayRows = batches.reduce((n, b) => n + b.days.length, 0);
const priceRows = batches.reduce((n, b) => n + b.prices.length, 0);
const rowsPerRun = dayRows + priceRows;
const results = [];

for (const engine of engines) {
  const dir = scratch('orb-bench-load-');
  const schema = engine === 'duckdb' ? 'orb' : `bench_load_${process.pid}`;
  const orbTarget = engine === 'duckdb' ? { engine, path: join(dir, 'orb.duckdb'), memoryLimit: DUCKDB_MEMORY_LIMIT } : { engine, url: PG_URL };
  const destination = await openDestination(orbTarget, schema);
  let raw;
  try {
    raw = await openRaw(engine, join(dir, 'raw.duckdb'), engine === 'duckdb' ? 'orb' : `${schema}_raw`);
    await migrate(destination);
    await ensureViews(destination);
    const tally = { rowsLoaded: 0, stagingRows: {}, factRows: {}, durationsMs: {}, restatements: [] };
    const ctx = { destination, runId: '1', startedAt: new Date(), tally, log: { error() {} }, rejects: [] };
    const emptyOrb = async () => {
      for (const name of ['raw_subscription_cost_days', 'raw_subscription_price_costs', 'raw_prices', 'sync_state']) await destination.query(`truncate ${name}`);
      if (engine === 'duckdb') await destination.query('checkpoint');
    };
    const paths = {
      raw: { empty: raw.empty, load: (batch) => raw.load(batch) },
      bulkLoad: {
        empty: emptyOrb,
        load: (batch) => destination.transaction(async (tx) => {
          await tx.bulkLoad(RAW_SUBSCRIPTION_COST_DAYS, batch.days);
          await tx.bulkLoad(RAW_SUBSCRIPTION_PRICE_COSTS, batch.prices);
        }),
      },
      commitBatch: { empty: emptyOrb, load: (batch) => commitBatch(ctx, 'subscription_costs', batch.items) },
    };
    const names = Object.keys(paths);
    const times = Object.fromEntries(names.map((name) => [name, []]));
    for (let rep = 0; rep < reps; rep += 1) {
      for (const name of [...names.slice(rep % names.length), ...names.slice(0, rep % names.length)]) {
        await paths[name].empty();
        const started = performance.now();
        for (const batch of batches) await paths[name].load(batch);
        times[name].push(performance.now() - started);
      }
      process.stderr.write(`${engine} rep ${rep + 1}/${reps}: ${names.map((n) => `${n} ${fmt(times[n].at(-1))} ms`).join(', ')}\n`);
    }
    const [loaded] = await destination.query('select count(*) as n from raw_subscription_price_costs');
    if (Number(loaded.n) !== priceRows) throw new Error(`orb-sync left ${loaded.n} price rows, expected ${priceRows}`);
    const rate = (name) => rowsPerRun / (median(times[name]) / 1000);
    for (const name of ['bulkLoad', 'commitBatch']) {
      const r = ratio(rate(name), rate('raw'));
      results.push([engine, name, fmt(median(times[name])), fmt(rate(name)), fmt(median(times.raw)), fmt(rate('raw')), `${fmt(r, 2)} (target ≥ 0.8: ${mark(r >= 0.8)})`]);
    }
  } finally {
    await raw?.close();
    await destination.close();
    if (engine === 'postgres') {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_raw cascade`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

report({
  title: `Load path against the engine's bulk path: ${fmt(rowsPerRun)} cost rows`,
  command: 'node bench/load-path.mjs',
  lines: [
    `${fmt(subscriptions)} subscriptions × ${DAYS} days × ${PRICES} prices: ${fmt(dayRows)} raw_subscription_cost_days rows and ${fmt(priceRows)}`,
    `raw_subscription_price_costs rows (12-decimal amounts), in ${batches.length} commits as a sync cuts them (≤ ${BATCH.partitions} partitions, ≤ ${fmt(BATCH.rows)} rows).`,
    'raw: DuckDB appender with typed values / PostgreSQL COPY FROM STDIN (pg-copy-streams), one transaction per commit.',
    'bulkLoad: `destination.transaction` + `tx.bulkLoad` per table. commitBatch: `commitBatch` of src/sync/loader.ts',
    '(dedupe against the latest stored versions, load_id, cursors; versions keyed and hashed beforehand, as a sync does while reading; into empty tables, as a first sync).',
    `Median of ${reps} runs each, interleaved (order rotated per repetition), tables emptied before each run.`,
    '',
    table(['engine', 'orb-sync path', 'ms', 'rows/s', 'raw ms', 'raw rows/s', 'orb-sync ÷ raw rate'], results),
  ],
});
