import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, sql } from 'kysely';
import type { Destination, Engine } from './destination.js';

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

/** `NNN_name.sql` runs on both engines; `NNN_name.duckdb.sql` with `NNN_name.postgres.sql` is one migration written per engine. */
const MIGRATION_FILE = /^(\d{3}_[a-z0-9_]+)(?:\.(duckdb|postgres))?\.sql$/;
const ENGINES: readonly Engine[] = ['duckdb', 'postgres'];

export interface Migration {
  version: string;
  text: Readonly<Record<Engine, string>>;
}

export function listMigrations(dir = SQL_DIR): Migration[] {
  const texts = new Map<string, Partial<Record<Engine, string>>>();
  for (const file of readdirSync(dir)) {
    const [, version, engine] = MIGRATION_FILE.exec(file) ?? [];
    if (!version) continue;
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    const entry = texts.get(version) ?? {};
    for (const e of engine ? [engine as Engine] : ENGINES) {
      if (entry[e] !== undefined) throw new Error(`sql/${file}: migration ${version} already has SQL for ${e}`);
      entry[e] = text;
    }
    texts.set(version, entry);
  }
  return [...texts.keys()].sort().map((version) => {
    const { duckdb, postgres } = texts.get(version)!;
    if (duckdb === undefined || postgres === undefined) {
      throw new Error(`sql/${version}: a migration written per engine needs both ${version}.duckdb.sql and ${version}.postgres.sql`);
    }
    return { version, text: { duckdb, postgres } };
  });
}

/**
 * Applies the sql/ files not yet recorded in schema_migrations, each in its own transaction
 * with its record, so a crash leaves every migration either fully applied or not at all. A file
 * runs as one text: both engines take several statements in one unparameterised query.
 */
export async function migrate(destination: Destination, migrations = listMigrations()): Promise<string[]> {
  await sql`create table if not exists schema_migrations (version varchar primary key, applied_at timestamptz not null)`.execute(destination.db);
  const applied = new Set((await destination.db.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version));
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  for (const migration of pending) {
    await destination.transaction(async ({ db }) => {
      await db.executeQuery(CompiledQuery.raw(migration.text[destination.engine]));
      await db.insertInto('schema_migrations').values({ version: migration.version, applied_at: new Date() }).execute();
    });
  }
  return pending.map((migration) => migration.version);
}
