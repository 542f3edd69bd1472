import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CompiledQuery } from 'kysely';
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
 * with its record, so a crash leaves every migration either fully applied or not at all.
 */
export async function migrate(destination: Destination, migrations = listMigrations()): Promise<string[]> {
  await destination.query(
    'create table if not exists schema_migrations (version varchar primary key, applied_at timestamptz not null)',
  );
  const applied = new Set((await destination.query<{ version: string }>('select version from schema_migrations')).map((r) => r.version));
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  for (const migration of pending) {
    await destination.transaction(async (tx) => {
      for (const statement of splitStatements(migration.text)) await tx.db.executeQuery(CompiledQuery.raw(statement));
      await tx.db.executeQuery(CompiledQuery.raw('insert into schema_migrations (version, applied_at) values ($1, $2)', [migration.version, new Date()]));
    });
  }
  return pending.map((migration) => migration.version);
}

/** Migrations hold plain DDL: statements end with ";" at the end of a line, comments start with "--". */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.replace(/--[^\n']*$/gm, '').trim())
    .filter(Boolean);
}
