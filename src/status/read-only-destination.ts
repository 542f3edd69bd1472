import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DestinationTarget } from '../config.js';
import type { Db, Engine } from '../destinations/destination.js';
import { DuckDBDialect } from '../destinations/duckdb/duckdb-dialect.js';
import { postgresTypeParsers, type SqlValue } from '../destinations/normalize.js';
import { UserError, errorMessage } from '../errors.js';
import type { Database } from '../schema/database.js';

/**
 * A destination opened for reading only. openDestination is for runs that write: it creates the
 * schema (and DuckDB the file). `orb-sync status` must leave an untouched destination untouched,
 * never take the sync lock, and never wait for it.
 */
export interface ReadOnlyDestination {
  readonly engine: Engine;
  readonly db: Db;
  query<T extends Record<string, SqlValue> = Record<string, SqlValue>>(text: string, params?: unknown[]): Promise<T[]>;
  /** The tables and views of the schema (none when it does not exist). */
  relations(): Promise<Set<string>>;
  /** Whether a sync holds the destination's lock now, found without taking it. */
  syncRunning(): Promise<boolean>;
  close(): Promise<void>;
}

export type OpenedForReading =
  | { readonly kind: 'open'; readonly destination: ReadOnlyDestination }
  /** The DuckDB file does not exist (and was not created). */
  | { readonly kind: 'no-file' }
  /** Another process holds the DuckDB file: DuckDB lets no other process open it meanwhile. */
  | { readonly kind: 'locked' };

export function openForReading(target: DestinationTarget, schema: string): Promise<OpenedForReading> {
  return target.engine === 'duckdb' ? openDuckDB(target.path, schema) : openPostgres(target.url, schema);
}

async function openDuckDB(path: string, schema: string): Promise<OpenedForReading> {
  if (path === ':memory:' || !existsSync(path)) return { kind: 'no-file' };
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  } catch (error) {
    const message = errorMessage(error);
    // The same test DuckDBDestination.open makes of a file another process holds.
    if (/lock/i.test(message)) return { kind: 'locked' };
    throw new UserError(`cannot open DuckDB file ${path}: ${message.split('\n')[0]}`);
  }
  const connection = await instance.connect();
  const db = new Kysely<Database>({
    dialect: new DuckDBDialect({ acquire: async () => connection, release: async () => {}, close: async () => {} }),
  });
  const query = async <T,>(text: string, params: unknown[] = []) => (await db.executeQuery<T>(CompiledQuery.raw(text, params))).rows;
  const { catalog } = (await query<{ catalog: string }>('select current_database() as catalog'))[0]!;
  const relations = async () =>
    new Set(
      (await query<{ name: string }>('select table_name as name from information_schema.tables where table_catalog = $1 and table_schema = $2', [catalog, schema])).map(
        (row) => row.name,
      ),
    );
  // Unqualified names resolve in the schema, as in DuckDBDestination (only possible once it exists).
  if ((await query('select 1 from information_schema.schemata where catalog_name = $1 and schema_name = $2', [catalog, schema])).length > 0) {
    await connection.run(`set search_path = '${`${quote(catalog)}.${quote(schema)}`.replace(/'/g, "''")}'`);
  }
  return {
    kind: 'open',
    destination: {
      engine: 'duckdb',
      db,
      query,
      relations,
      // This process could open the file, so no other process (no sync) is writing it.
      syncRunning: async () => false,
      async close() {
        await db.destroy();
        connection.closeSync();
        instance.closeSync();
      },
    },
  };
}

async function openPostgres(url: string, schema: string): Promise<OpenedForReading> {
  const pool = new pg.Pool({
    connectionString: url,
    types: postgresTypeParsers,
    // Read-only sessions: a write would be refused by PostgreSQL itself.
    options: `-c search_path=${schema} -c default_transaction_read_only=on`,
    application_name: 'orb-sync status',
    max: 1,
  });
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end();
    const { hostname, port, pathname } = new URL(url);
    throw new UserError(`cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname}: ${errorMessage(error) || (error as { code?: string }).code}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const query = async <T,>(text: string, params: unknown[] = []) => (await db.executeQuery<T>(CompiledQuery.raw(text, params))).rows;
  return {
    kind: 'open',
    destination: {
      engine: 'postgres',
      db,
      query,
      relations: async () =>
        new Set((await query<{ name: string }>('select table_name as name from information_schema.tables where table_schema = $1', [schema])).map((row) => row.name)),
      // The lock a sync takes with pg_try_advisory_lock(hashtext('orb-sync:' || schema)): a bigint
      // key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
      async syncRunning() {
        const [row] = await query<{ held: boolean }>(
          `select exists (
             select 1 from pg_locks
             where locktype = 'advisory' and objsubid = 1 and granted
               and database = (select oid from pg_database where datname = current_database())
               and ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint
           ) as held`,
          [`orb-sync:${schema}`],
        );
        return row?.held === true;
      },
      close: () => db.destroy(),
    },
  };
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
