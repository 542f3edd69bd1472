import { CompiledQuery, Kysely, sql } from 'kysely';
import type { SqlValue } from './normalize.js';

export type Engine = 'duckdb' | 'postgres';

/** Column types the loader writes; each engine maps them to its own DDL-free bulk format. */
export type ColumnType = 'text' | 'decimal' | 'timestamptz' | 'date' | 'bigint' | 'integer' | 'json';

export interface TableShape {
  readonly name: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: ColumnType }>;
}

/** A row in the order of its table's columns: decimals as strings, timestamps as Date, dates as "YYYY-MM-DD". */
export type Row = ReadonlyArray<string | number | bigint | Date | null>;

// Kysely is used with raw SQL text; table types are not generated.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;

export interface LoadTransaction {
  /** Queries inside the transaction. */
  readonly db: Db;
  /** Appends rows to a table through the engine's bulk path, inside the transaction. */
  bulkLoad(table: TableShape, rows: readonly Row[]): Promise<void>;
}

export interface Destination {
  readonly engine: Engine;
  readonly schema: string;
  /** Queries outside any transaction (pooled). */
  readonly db: Db;
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T>;
  /** Runs SQL and returns normalised rows (see normalize.ts). */
  query<T extends Record<string, SqlValue> = Record<string, SqlValue>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Holds the destination's sync lock until close(); throws a UserError when another sync holds it. */
  lockForSync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What both engines share: transactions over one raw connection, with a Kysely bound to it.
 * An engine supplies how to connect, how to bind Kysely to a connection, and how to bulk-load.
 */
export abstract class BaseDestination<Connection> implements Destination {
  abstract readonly engine: Engine;
  abstract readonly db: Db;

  constructor(readonly schema: string) {}

  protected abstract acquire(): Promise<Connection>;
  protected abstract release(connection: Connection): Promise<void>;
  protected abstract bindKysely(connection: Connection): Db;
  protected abstract bulkLoadOn(connection: Connection, table: TableShape, rows: readonly Row[]): Promise<void>;
  abstract lockForSync(): Promise<void>;
  abstract close(): Promise<void>;

  async transaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    const db = this.bindKysely(connection);
    try {
      await sql`begin`.execute(db);
      try {
        const result = await work({
          db,
          bulkLoad: (table, rows) => (rows.length === 0 ? Promise.resolve() : this.bulkLoadOn(connection, table, rows)),
        });
        await sql`commit`.execute(db);
        return result;
      } catch (error) {
        await sql`rollback`.execute(db).catch(() => undefined);
        throw error;
      }
    } finally {
      await db.destroy();
      await this.release(connection);
    }
  }

  async query<T extends Record<string, SqlValue>>(text: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.db.executeQuery<T>(CompiledQuery.raw(text, params));
    return result.rows;
  }
}
