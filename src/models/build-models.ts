import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledQuery } from 'kysely';
import type { Db, Destination } from '../destinations/destination.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

export interface Model {
  name: string;
  materialized: 'view' | 'table';
  dependsOn: string[];
  select: string;
}

/** Reads models/*.sql: one SELECT each, with `-- materialized:` and `-- depends on:` headers. */
export function loadModels(dir = MODELS_DIR): Model[] {
  const models = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const text = readFileSync(`${dir}/${file}`, 'utf8');
      const header = (key: string) => new RegExp(`^--\\s*${key}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
      const materialized = header('materialized');
      if (materialized !== 'view' && materialized !== 'table') {
        throw new Error(`models/${file}: header "-- materialized: view|table" is missing`);
      }
      return {
        name: file.replace(/\.sql$/, ''),
        materialized,
        dependsOn: (header('depends on') ?? '').split(',').map((name) => name.trim()).filter(Boolean),
        select: text.replace(/^--.*$/gm, '').trim().replace(/;$/, ''),
      } satisfies Model;
    });
  return inDependencyOrder(models);
}

function inDependencyOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((model) => [model.name, model]));
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, path: string[]): void => {
    if (state.get(model.name) === 'done') return;
    if (state.get(model.name) === 'visiting') throw new Error(`models form a cycle: ${[...path, model.name].join(' -> ')}`);
    state.set(model.name, 'visiting');
    for (const dependency of model.dependsOn) {
      const upstream = byName.get(dependency);
      if (upstream) visit(upstream, [...path, model.name]);
    }
    state.set(model.name, 'done');
    ordered.push(model);
  };
  for (const model of models) visit(model, []);
  return ordered;
}

/** (Re)creates every view model, in dependency order. Cheap; done before streams read stg_ views. */
export async function createViews(destination: Destination, models = loadModels()): Promise<void> {
  await destination.transaction(async ({ db }) => replaceViews(db, models));
}

/**
 * Rebuilds the views and refreshes every table model from them, in one transaction: readers see
 * the old facts or the new ones, never a mix, and a failure leaves the old facts in place.
 */
export async function buildModels(destination: Destination, models = loadModels()): Promise<Record<string, number>> {
  return destination.transaction(async ({ db }) => {
    await replaceViews(db, models);
    const rowCounts: Record<string, number> = {};
    for (const model of models.filter((m) => m.materialized === 'table')) {
      const columns = await tableColumns(db, destination.schema, model.name);
      await run(db, `delete from ${model.name}`);
      const list = columns.join(', ');
      const result = await run(db, `insert into ${model.name} (${list}) select ${list} from (${model.select}) model`);
      rowCounts[model.name] = Number(result.numAffectedRows ?? 0);
    }
    return rowCounts;
  });
}

async function replaceViews(db: Db, models: Model[]): Promise<void> {
  const views = models.filter((model) => model.materialized === 'view');
  for (const view of [...views].reverse()) await run(db, `drop view if exists ${view.name}`);
  for (const view of views) await run(db, `create view ${view.name} as ${view.select}`);
}

async function tableColumns(db: Db, schema: string, table: string): Promise<string[]> {
  const { rows } = await db.executeQuery<{ column_name: string }>(
    CompiledQuery.raw(
      `select column_name from information_schema.columns
       where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [schema, table],
    ),
  );
  if (rows.length === 0) throw new Error(`model ${table} has no table: add its DDL under sql/`);
  return rows.map((row) => row.column_name);
}

function run(db: Db, text: string) {
  return db.executeQuery(CompiledQuery.raw(text));
}
