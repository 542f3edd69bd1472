import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, sql } from 'kysely';
import type { Destination } from './destination.js';

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

export interface Migration {
  version: string;
  text: string;
}

export function listMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: file.replace(/\.sql$/, ''), text: readFileSync(`${dir}/${file}`, 'utf8') }));
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
      await db.executeQuery(CompiledQuery.raw(migration.text));
      await db.insertInto('schema_migrations').values({ version: migration.version, applied_at: new Date() }).execute();
    });
  }
  return pending.map((migration) => migration.version);
}
