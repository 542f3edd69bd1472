import { CompiledQuery, Kysely, sql } from 'kysely';
import type { Database } from '../schema/database.js';
import type { LoadRow, TableDef } from '../schema/table.js';
import type { SqlValue } from './normalize.js';

export type Engine = 'duckdb' | 'postgres';

/** A model build's transaction, or any other (loads, bookkeeping). */
export type TransactionKind = 'load' | 'modelBuild';

/** Kysely over orb-sync's own tables; model SQL stays plain text (models/*.sql). */
export type Db = Kysely<Database>;

export interface LoadTransaction {
  /** Queries inside the transaction. */
  readonly db: Db;
  /**
   * Appends rows to a declared table through the engine's bulk path, by column name. `shared`
   * holds the columns whose value is the same in every row (the loader's run and load ids), so
   * that no row is copied to carry them; a row's own value for such a column is not read.
   */
  bulkLoad<T extends TableDef>(table: T, rows: ReadonlyArray<Partial<LoadRow<T>>>, shared?: Partial<LoadRow<T>>): Promise<void>;
}

export interface Destination {
  readonly engine: Engine;
  readonly schema: string;
  /**
   * The fact tables have a BRIN index on day (PostgreSQL: sql/013). A build then inserts each
   * model's rows in the order of its grain's first column (day, hour): a block range's summary
   * finds a scope's days only where the table's pages follow the days. (Under the B-trees the
   * index replaced, the same order saved a full build a third of its time.)
   */
  readonly factsIndexedByDay: boolean;
  /** The statement that sets what scope_first_day() (sql/010) returns in a model build (day: YYYY-MM-DD, checked by the caller). */
  scopeFirstDayStatement(day: string): string;
  /** An SQL expression hashing the values of `columns` (SQL expressions) to one integer: equal values, equal hash. */
  rowHash(columns: readonly string[]): string;
  /**
   * A full model build goes through the subscriptions in chunks of about this many staged cost
   * days, so that the build's joins and sorts follow a chunk, not the account (Infinity: one chunk).
   */
  readonly fullBuildChunkDays: number;
  /** Removes every row of one of orb-sync's fact tables, inside a full build's transaction (`db`). */
  emptyTable(db: Db, table: string): Promise<void>;
  /** Queries outside any transaction (pooled). */
  readonly db: Db;
  /** Runs `work` in one transaction: all of it commits, or none of it. */
  transaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T>;
  /**
   * `transaction` for a model build, with the engine's settings for set-at-a-time builds
   * (PostgreSQL's planner, DuckDB's memory limit).
   */
  modelBuildTransaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T>;
  /** Runs SQL text (models, migrations, tests) and returns normalised rows (see normalize.ts). */
  query<T extends Record<string, SqlValue> = Record<string, SqlValue>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * After a run: brings the query planner's statistics of the tables of `written` (orb-sync's
   * own, each with the rows the run wrote to it) up to date where they are stale, and on
   * PostgreSQL reclaims the rows model builds deleted, by autovacuum's own thresholds, and
   * summarizes the BRIN ranges the run filled. A server with autovacuum off (or not come round
   * yet) would plan the next build over tables it believes empty. Returns the tables it analyzed.
   */
  refreshStatistics(written: Readonly<Record<string, number>>): Promise<string[]>;
  /** Holds the destination's sync lock until close(); throws a UserError when another sync holds it. */
  lockForSync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What both engines share: a transaction is one raw connection with a Kysely bound to it. The bulk
 * path (DuckDB's appender, PostgreSQL's COPY) needs that raw connection, which Kysely's own
 * Transaction does not expose; so orb-sync begins and ends transactions itself, and binds one
 * Kysely per pooled connection (made once, reused by every transaction on that connection).
 * An engine supplies how to connect, how to bind Kysely to a connection, and how to bulk-load.
 */
export abstract class BaseDestination<Connection extends object> implements Destination {
  abstract readonly engine: Engine;
  abstract readonly db: Db;
  /** Statements that start a transaction of this kind (the one place the engines' SQL differs). */
  protected abstract transactionSetup(kind: TransactionKind): readonly string[];
  abstract readonly factsIndexedByDay: boolean;
  abstract scopeFirstDayStatement(day: string): string;
  abstract rowHash(columns: readonly string[]): string;
  abstract readonly fullBuildChunkDays: number;
  private readonly bound = new WeakMap<Connection, Db>();
  /** The last transaction queued: one writer at a time (streams in two lanes commit in turn). */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly schema: string) {}

  protected abstract acquire(): Promise<Connection>;
  protected abstract release(connection: Connection): Promise<void>;
  protected abstract bindKysely(connection: Connection): Db;
  protected abstract bulkLoadOn(connection: Connection, table: TableDef, rows: ReadonlyArray<Partial<LoadRow>>, shared: Partial<LoadRow>): Promise<void>;
  abstract emptyTable(db: Db, table: string): Promise<void>;
  abstract refreshStatistics(written: Readonly<Record<string, number>>): Promise<string[]>;
  abstract lockForSync(): Promise<void>;
  abstract close(): Promise<void>;

  transaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T> {
    return this.inTurn('load', work);
  }

  modelBuildTransaction<T>(work: (tx: LoadTransaction) => Promise<T>): Promise<T> {
    return this.inTurn('modelBuild', work);
  }

  private inTurn<T>(kind: TransactionKind, work: (tx: LoadTransaction) => Promise<T>): Promise<T> {
    const turn = this.writing.then(() => this.runTransaction(this.transactionSetup(kind), work));
    this.writing = turn.catch(() => undefined);
    return turn;
  }

  private async runTransaction<T>(setup: readonly string[], work: (tx: LoadTransaction) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    let db = this.bound.get(connection);
    if (!db) {
      db = this.bindKysely(connection);
      this.bound.set(connection, db);
    }
    try {
      await sql`begin`.execute(db);
      try {
        for (const statement of setup) await db.executeQuery(CompiledQuery.raw(statement));
        const result = await work({
          db,
          bulkLoad: (table, rows, shared = {}) =>
            rows.length === 0 ? Promise.resolve() : this.bulkLoadOn(connection, table, rows as ReadonlyArray<Partial<LoadRow>>, shared as Partial<LoadRow>),
        });
        await sql`commit`.execute(db);
        return result;
      } catch (error) {
        await sql`rollback`.execute(db).catch(() => undefined);
        throw error;
      }
    } finally {
      await this.release(connection);
    }
  }

  async query<T extends Record<string, SqlValue>>(text: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.db.executeQuery<T>(CompiledQuery.raw(text, params));
    return result.rows;
  }
}
