import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledQuery } from 'kysely';
import type { Db, Destination } from '../destinations/destination.js';
import { UserError, errorMessage } from '../errors.js';
import { STAGING_TABLES } from '../schema/staging.js';
import { latestViewName, type StagingTable } from '../schema/table.js';
import { contentHash } from '../util/hash.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

export interface Model {
  name: string;
  materialized: 'view' | 'table';
  /** A table rebuilt per (subscription, days) scope (`-- scope: subscription days`), not whole. */
  scoped: boolean;
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
        scoped: header('scope') === 'subscription days',
        dependsOn: (header('depends on') ?? '').split(',').map((name) => name.trim()).filter(Boolean),
        select: text.replace(/^--.*$/gm, '').trim().replace(/;$/, ''),
      } satisfies Model;
    });
  const daily = STAGING_TABLES.filter((table) => table.versionKey.includes('subscription_id') && table.versionKey.includes('day'));
  return inDependencyOrder([...STAGING_TABLES.map(latestVersionModel), ...daily.map(latestInScopeModel), ...models]);
}

/**
 * The one definition of "the latest version of a record": for each key, the rows of the highest
 * load_id; a table versioned with a parent keeps the rows of its parent's latest version.
 */
export function latestVersionModel(table: StagingTable): Model {
  const parent = table.versionedWith;
  const source = parent ? latestViewName(parent) : table.name;
  const on = [...table.versionKey, 'load_id'].map((column) => `latest.${column} = t.${column}`).join(' AND ');
  const latest = parent
    ? latestViewName(parent)
    : `(SELECT ${table.versionKey.join(', ')}, MAX(load_id) AS load_id FROM ${table.name} GROUP BY ${table.versionKey.join(', ')})`;
  return {
    name: latestViewName(table),
    materialized: 'view',
    scoped: false,
    dependsOn: parent ? [source] : [],
    select: `SELECT t.* FROM ${table.name} t JOIN ${latest} latest ON ${on}`,
  };
}

/**
 * latestVersionModel's rule over the rows of the model build's scope only (build_scope: per
 * subscription, its [day_from, day_to) or its whole history), for a staging table keyed by
 * subscription and day: the scope is joined to the raw rows before the latest version is taken, so
 * an incremental build reads what it rebuilds, not the whole history. The rows before the scope's
 * first day (scope_first_day(), sql/010: set by the build, planned as a constant) are dropped
 * by a comparison each as they are scanned, before any join or aggregate. Empty outside a build.
 */
export function latestInScopeModel(table: StagingTable): Model {
  const parent = table.versionedWith;
  const key = table.versionKey.map((column) => `r.${column}`).join(', ');
  const on = [...table.versionKey, 'load_id'].map((column) => `latest.${column} = t.${column}`).join(' AND ');
  const latest = parent
    ? latestInScopeViewName(parent)
    : `(SELECT ${key}, MAX(r.load_id) AS load_id FROM ${table.name} r
  JOIN build_scope b ON b.subscription_id = r.subscription_id AND (b.day_from IS NULL OR r.day >= b.day_from) AND (b.day_to IS NULL OR r.day < b.day_to)
  WHERE r.day >= scope_first_day()
  GROUP BY ${key})`;
  return {
    name: latestInScopeViewName(table),
    materialized: 'view',
    scoped: false,
    dependsOn: parent ? [latestInScopeViewName(parent)] : [],
    select: `SELECT t.* FROM ${table.name} t JOIN ${latest} latest ON ${on} WHERE t.day >= scope_first_day()`,
  };
}

function latestInScopeViewName(table: StagingTable): string {
  return `${latestViewName(table)}_in_scope`;
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

/**
 * Creates the view models that are missing or whose SQL changed since they were created (an
 * upgrade of orb-sync); every other view is left alone, so views analysts build on ours survive.
 * A changed view is replaced in place; where PostgreSQL cannot (its columns changed), it and the
 * views of ours downstream are dropped and recreated, and a view of the user's in the way is
 * named in the error rather than dropped.
 */
export async function ensureViews(destination: Destination, models = loadModels()): Promise<string[]> {
  const views = models.filter((model) => model.materialized === 'view');
  const stored = new Map(
    (await destination.db.selectFrom('model_state').select(['model', 'definition_hash']).execute()).map((r) => [r.model, r.definition_hash]),
  );
  const existing = new Set(
    (
      await destination.query<{ name: string }>(
        'select table_name as name from information_schema.views where table_catalog = current_database() and table_schema = $1',
        [destination.schema],
      )
    ).map((r) => r.name),
  );
  const changed = views.filter((view) => !existing.has(view.name) || stored.get(view.name) !== contentHash(view.select));
  if (changed.length === 0) return [];
  try {
    await destination.transaction(async ({ db }) => {
      for (const view of changed) await createView(db, view, 'create or replace view');
    });
  } catch {
    const rebuilt = withDownstream(views, changed);
    await destination
      .transaction(async ({ db }) => {
        for (const view of [...rebuilt].reverse()) await run(db, `drop view if exists ${view.name}`);
        for (const view of rebuilt) await createView(db, view, 'create view');
      })
      .catch((error: unknown) => {
        // PostgreSQL: "cannot drop view … because other objects depend on it".
        if ((error as { code?: string }).code !== '2BP01') throw error;
        throw new UserError(
          `cannot replace orb-sync's views ${rebuilt.map((v) => v.name).join(', ')} (this version changed their columns): ` +
            `${errorMessage(error)}${databaseDetail(error)}. Drop your views that depend on them, run again, then recreate yours.`,
        );
      });
    return rebuilt.map((view) => view.name);
  }
  return changed.map((view) => view.name);
}

/** PostgreSQL names the objects in the way in the error's detail. */
function databaseDetail(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? ` (${detail.replace(/\s+/g, ' ')})` : '';
}

/** `changed` and every view that depends on one of them, in dependency order. */
function withDownstream(views: Model[], changed: Model[]): Model[] {
  const affected = new Set(changed.map((view) => view.name));
  for (const view of views) {
    if (view.dependsOn.some((name) => affected.has(name))) affected.add(view.name);
  }
  return views.filter((view) => affected.has(view.name));
}

async function createView(db: Db, view: Model, statement: string): Promise<void> {
  await run(db, `${statement} ${view.name} as ${view.select}`);
  await db
    .insertInto('model_state')
    .values({ model: view.name, definition_hash: contentHash(view.select), created_at: new Date() })
    .onConflict((conflict) =>
      conflict.column('model').doUpdateSet((eb) => ({ definition_hash: eb.ref('excluded.definition_hash'), created_at: eb.ref('excluded.created_at') })),
    )
    .execute();
}

function run(db: Db, text: string) {
  return db.executeQuery(CompiledQuery.raw(text));
}
