// (f) orb-sync's full model build against a bare CREATE TABLE AS of the same SELECTs.
// A simulator account (BENCH_MODEL_SUBSCRIPTIONS × BENCH_MODEL_DAYS days) is synced with
// `orb-sync sync` (child processes, no rate limits; untimed) into a fresh DuckDB file and a fresh
// PostgreSQL schema. Then, in this process, interleaved (order alternated each repetition):
//   build  buildFacts(destination, 'all'), what `orb-sync build --full` runs: one transaction that
//          fills build_scope, deletes and re-inserts every fact table from its model's SELECT,
//          audits, and moves the watermark. Per model: its delete + insert statements.
//   CTAS   one transaction (with the engine's model-build settings, e.g. enable_nestloop = off on
//          PostgreSQL) of `create table x as select <columns> from (<model SELECT>) model` per fact
//          model: the exact text the build inserts from, over the same views and the same
//          build_scope (filled beforehand, untimed, as a full build fills it) and first day.
// Medians of BENCH_MODEL_REPS; between runs (untimed) DuckDB checkpoints and PostgreSQL vacuums.
// Usage: node bench/model-build.mjs   (BENCH_MODEL_SUBSCRIPTIONS, BENCH_MODEL_DAYS, BENCH_MODEL_REPS scale it down)
import { CompiledQuery } from 'kysely';
import { openDestination } from '../dist/destinations/open-destination.js';
import { buildFacts } from '../dist/models/build-facts.js';
import { loadModels } from '../dist/models/build-models.js';
import { FACT_TABLES } from '../dist/schema/facts.js';
import { startSimulator, openTarget, runOrbSync, report, table, fmt, seconds, ratio, mark, median, sum, envInt } from './lib.mjs';
import { loadSettings } from '../dist/config.js';

/** orb-sync's default, as a sync would open the file. */
const DUCKDB_MEMORY_LIMIT = loadSettings({ env: {} }).duckdbMemoryLimit;

const subscriptions = envInt('BENCH_MODEL_SUBSCRIPTIONS', 200);
const days = envInt('BENCH_MODEL_DAYS', 365);
const reps = envInt('BENCH_MODEL_REPS', 5);
const facts = loadModels().filter((model) => model.materialized === 'table');
const columns = (name) => Object.keys(FACT_TABLES.find((t) => t.name === name).columns).join(', ');
const run = (db, text) => db.executeQuery(CompiledQuery.raw(text));

/** The destination, with the time of each statement buildFacts runs by itself: `<table> delete` (emptyTable), `<table> insert`. */
function timed(destination, perModel) {
  const wrapped = Object.create(destination);
  wrapped.modelBuildTransaction = (work) =>
    destination.modelBuildTransaction((tx) => {
      const db = new Proxy(tx.db, {
        get(target, prop) {
          if (prop === 'executeQuery') {
            return async (query, ...rest) => {
              const started = performance.now();
              try {
                return await target.executeQuery(query, ...rest);
              } finally {
                const [, verb, name] = /^(delete from|insert into) (\w+)/.exec(query.sql) ?? [];
                if (name) perModel[`${name} ${verb.split(' ')[0]}`] = performance.now() - started;
              }
            };
          }
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return work({ ...tx, db });
    });
  // A full build empties each fact table through the destination (DuckDB: drop and create).
  wrapped.emptyTable = async (db, table) => {
    const started = performance.now();
    try {
      return await destination.emptyTable(db, table);
    } finally {
      perModel[`${table} delete`] = performance.now() - started;
    }
  };
  return wrapped;
}

async function ctas(destination, perModel) {
  await destination.transaction(async ({ db }) => {
    await run(db, 'delete from build_scope');
    await run(db, 'insert into build_scope (subscription_id) select subscription_id from raw_subscriptions_latest');
  });
  const started = performance.now();
  await destination.modelBuildTransaction(async ({ db }) => {
    await run(db, destination.scopeFirstDayStatement('0001-01-01'));
    for (const model of facts) {
      const began = performance.now();
      await run(db, `create table bench_ctas_${model.name} as select ${columns(model.name)} from (${model.select}) model`);
      perModel[model.name] = performance.now() - began;
    }
  });
  const total = performance.now() - started;
  for (const model of facts) await destination.query(`drop table bench_ctas_${model.name}`);
  await destination.query('delete from build_scope');
  return total;
}

const simulator = await startSimulator({ subscriptions, customers: Math.max(1, Math.round(subscriptions / 5)), days });
const results = [];
const notes = [];
try {
  for (const engine of ['duckdb', 'postgres']) {
    const target = await openTarget(engine, 'models');
    try {
      const sync = await runOrbSync(['sync', '--quiet'], { ...target.env, ORB_BASE_URL: simulator.url, ORB_SYNC_ANALYTICS_RPS: '1000', ORB_SYNC_RPS: '1000' });
      const destination = await openDestination(engine === 'duckdb' ? { engine, path: target.destination.slice('duckdb:'.length), memoryLimit: DUCKDB_MEMORY_LIMIT } : { engine, url: target.destination }, target.schema);
      try {
        const settle = () => destination.query(engine === 'duckdb' ? 'checkpoint' : `vacuum ${FACT_TABLES.map((t) => t.name).join(', ')}`);
        if (engine === 'postgres') await destination.query('analyze');
        const runs = { build: [], ctas: [] };
        let rows = {};
        for (let rep = 0; rep < reps; rep += 1) {
          for (const kind of rep % 2 === 0 ? ['build', 'ctas'] : ['ctas', 'build']) {
            const perModel = {};
            const started = performance.now();
            if (kind === 'build') rows = (await buildFacts(timed(destination, perModel), 'all')).rows;
            const total = kind === 'build' ? performance.now() - started : await ctas(destination, perModel);
            runs[kind].push({ total, perModel });
            await settle();
          }
          process.stderr.write(`${engine} rep ${rep + 1}/${reps}: build ${fmt(runs.build.at(-1).total)} ms, CTAS ${fmt(runs.ctas.at(-1).total)} ms\n`);
        }
        const med = (kind, name) => median(runs[kind].map((r) => r.perModel[name]));
        for (const { name } of facts) {
          const build = median(runs.build.map((r) => r.perModel[`${name} delete`] + r.perModel[`${name} insert`]));
          const r = ratio(build, med('ctas', name));
          results.push([engine, name, fmt(rows[name]), `${fmt(build)} (${fmt(med('build', `${name} delete`))} + ${fmt(med('build', `${name} insert`))})`, fmt(med('ctas', name)), fmt(r, 2)]);
        }
        const buildTotal = median(runs.build.map((r) => r.total));
        const ctasTotal = median(runs.ctas.map((r) => r.total));
        const r = ratio(buildTotal, ctasTotal);
        results.push([engine, '**whole build** (one transaction)', fmt(sum(Object.values(rows))), fmt(buildTotal), fmt(ctasTotal), `**${fmt(r, 2)}** (${mark(r <= 1.5)})`]);
        const outside = median(runs.build.map((run) => run.total - sum(Object.values(run.perModel))));
        notes.push(`${engine}: sync ${seconds(sync.wallMs)}; of the whole build, ${fmt(outside)} ms is outside the models' statements (build_scope, audit, watermark, commit).`);
      } finally {
        await destination.close();
      }
    } finally {
      await target.drop();
    }
  }
} finally {
  await simulator.stop();
}

report({
  title: `Model build against a bare CREATE TABLE AS: ${fmt(subscriptions)} subscriptions × ${fmt(days)} days`,
  command: 'node bench/model-build.mjs',
  lines: [
    `The simulator: \`orb-sync ${simulator.args}\`; \`orb-sync sync\` into a new DuckDB file and a new PostgreSQL schema (untimed).`,
    "build: `buildFacts(destination, 'all')` (what `orb-sync build --full` runs), per model its delete + insert in that transaction.",
    'CTAS: `create table … as select <columns> from (<model SELECT>) model` for each fact model in one transaction, same views, same',
    `full build_scope, same engine settings. Median of ${reps} runs each, interleaved; the target (≤ 1.5) is the whole build's ratio: a model of a few milliseconds has a ratio of noise.`,
    '',
    table(['engine', 'fact model', 'rows', 'build ms (delete + insert)', 'CTAS ms', 'build ÷ CTAS'], results),
    '',
    ...notes.map((line) => `- ${line}`),
  ],
});
