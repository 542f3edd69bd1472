import { resolve } from 'node:path';
import {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
} from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { UserError, errorMessage } from '../../errors.js';
import type { Database } from '../../schema/database.js';
import { columnKind, type ColumnKind, type LoadRow, type TableDef } from '../../schema/table.js';
import { collectGarbage } from '../../util/collect-garbage.js';
import { parseSize } from '../../util/size.js';
import { BaseDestination, type Db, type TransactionKind } from '../destination.js';
import { MONEY_PRECISION, MONEY_SCALE, toMoney } from '../money.js';
import type { DuckDBConnectionProvider } from './duckdb-connection-provider.js';
import { DuckDBDialect } from './duckdb-dialect.js';
import { explainDuckDBError } from './duckdb-driver.js';

/**
 * DuckDB beside its memory limit, from first syncs of 1,000 subscriptions at a 128MB limit. One
 * thread: each thread holds its own share of the limit (hash tables, sorts); with two, one of two
 * model builds ran out of memory, with one none of three did. Freed memory goes back to the system
 * after every bulk free and in the background, not only past DuckDB's defaults of 128MB and 512MB
 * (themselves above the limit): the peak was 462 MiB with that, 515 without (one run each).
 */
const FRUGAL = {
  threads: '1',
  allocator_background_threads: 'true',
  allocator_flush_threshold: '4MB',
  allocator_bulk_deallocation_flush_threshold: '4MB',
};

/**
 * The memory limit of every transaction but a model build's, when the configured limit is higher:
 * a load needs little (a commit's rows and their lookups), but the checkpoint that follows a
 * commit once the WAL passes 16MB fills whatever limit it has. Appending 40 commits of 10,000
 * rows to a 1,000-subscription file, RSS jumped by 60-80 MiB at each checkpoint at 100MB and
 * 256MB, not at all at 32MB; but at 32MB a first sync's checkpoint ran out of memory (DuckDB
 * then refuses every statement until the file is opened again). 64MB leaves it room.
 */
const LOAD_MEMORY_LIMIT = '64MB';

/** A full build's chunk: the configured memory limit ÷ this many bytes per staged cost day. */
const BUILD_BYTES_PER_COST_DAY = 500;
/** Chunks under DuckDB's default limit (80% of the machine's memory), and the smallest ones. */
const DEFAULT_CHUNK_DAYS = 250_000;
const MIN_CHUNK_DAYS = 10_000;

/** DuckDB admits one writing process per file; inside this process the same rule holds per path. */
const pathsInUse = new Set<string>();

export class DuckDBDestination extends BaseDestination<DuckDBConnection> {
  readonly engine = 'duckdb';
  readonly db: Db;
  // Set only when a transaction of the other kind comes: lowering the limit evicts down to it.
  protected transactionSetup(kind: TransactionKind): readonly string[] {
    if (kind === this.kindInForce) return [];
    this.kindInForce = kind;
    // V8's heap and DuckDB's share this process, and a model build is DuckDB's largest: the
    // loads' garbage (25 MiB of a first sync's 45) goes first, not whenever V8 next collects.
    if (kind === 'modelBuild') collectGarbage();
    return this.limits ? [`set memory_limit = '${this.limits[kind]}'`] : [];
  }
  // An ART index would be held whole in memory; DuckDB reads the day column alone instead.
  readonly factsIndexedByDay = false;
  // On the build's connection, which outside a build reads an empty build_scope anyway.
  scopeFirstDayStatement(day: string): string {
    return `set variable orb_sync_scope_first_day = date '${day}'`;
  }
  rowHash(columns: readonly string[]): string {
    return `hash(${columns.join(', ')})`;
  }
  // DuckDB works inside this process: a full build reads a chunk's staging at a time, so its joins
  // and sorts follow the chunk, not the account. Chunks fit the build's memory limit: the largest
  // table a chunk holds is its audit's count of fct_daily_costs by grain, some 3 rows of 100 bytes
  // per cost day (a 64MB limit ran out with chunks of 250,000 cost days, not with 100,000).
  readonly fullBuildChunkDays: number;
  private readonly idle: DuckDBConnection[] = [];
  /** Each table's columns in physical order: the appender writes by position, rows come by name. */
  private readonly layouts = new Map<string, string[]>();
  private lockedPath?: string;
  /** The last transaction's kind, whose memory limit is in force (DuckDB's settings are the instance's, not a transaction's). */
  private kindInForce: TransactionKind = 'load';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly path: string,
    /** The attached database's name (the file's stem): names are qualified with it, since a schema may share it. */
    private readonly catalog: string,
    schema: string,
    /** Each kind's memory limit, when loads take less than model builds. */
    private readonly limits: Record<TransactionKind, string> | undefined,
    /** The configured limit (undefined: DuckDB's default). */
    memoryLimit: string | undefined,
  ) {
    super(schema);
    this.db = new Kysely<Database>({ dialect: new DuckDBDialect(this.pool()) });
    this.fullBuildChunkDays = memoryLimit === undefined ? DEFAULT_CHUNK_DAYS : Math.max(MIN_CHUNK_DAYS, Math.floor(bytes(memoryLimit) / BUILD_BYTES_PER_COST_DAY));
  }

  static async open(path: string, schema: string, memoryLimit?: string): Promise<DuckDBDestination> {
    const limits = memoryLimit !== undefined && bytes(memoryLimit) > bytes(LOAD_MEMORY_LIMIT) ? { load: LOAD_MEMORY_LIMIT, modelBuild: memoryLimit } : undefined;
    const startLimit = limits?.load ?? memoryLimit;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, { ...(startLimit === undefined ? {} : { memory_limit: startLimit }), ...FRUGAL });
    } catch (error) {
      const message = errorMessage(error);
      if (/lock/i.test(message)) {
        throw new UserError(`DuckDB file ${path} is in use by another process (another orb-sync running?)`);
      }
      throw new UserError(`cannot open DuckDB file ${path}: ${message.split('\n')[0]}`);
    }
    const setup = await instance.connect();
    const catalog = String((await setup.runAndReadAll('select current_database() as name')).getRowObjects()[0]!.name);
    await setup.run(`create schema if not exists ${quote(catalog)}.${quote(schema)}`);
    setup.closeSync();
    return new DuckDBDestination(instance, path, catalog, schema, limits, memoryLimit);
  }

  /**
   * Dropped and created again from DuckDB's own DDL of it: a DELETE keeps, until its transaction
   * ends, what it deleted per row; 77 MiB for the 9.2 million facts of 10,000 subscriptions × 365
   * days, and the full build that followed it ran out of a 100MB limit. (Views over the table
   * read the new one: DuckDB binds a view's names when it is queried.)
   */
  async emptyTable(db: Db, table: string): Promise<void> {
    const { rows } = await sql<{ sql: string }>`select sql from duckdb_tables() where database_name = ${this.catalog} and schema_name = ${this.schema} and table_name = ${table}`.execute(db);
    const ddl = rows[0]?.sql;
    if (!ddl) throw new Error(`no table ${table} in ${this.catalog}.${this.schema}`);
    const name = `${quote(this.catalog)}.${quote(this.schema)}.${quote(table)}`;
    await sql.raw(`drop table ${name}`).execute(db);
    await sql.raw(ddl.replace(/^CREATE TABLE [^(]+\(/, `CREATE TABLE ${name}(`)).execute(db);
  }

  // DuckDB keeps its tables' statistics as it writes them, and reuses deleted rows' space itself.
  async refreshStatistics(): Promise<string[]> {
    return [];
  }

  async lockForSync(): Promise<void> {
    const key = resolve(this.path);
    if (this.path !== ':memory:' && pathsInUse.has(key)) {
      throw new UserError(`another sync into ${this.path} is already running`);
    }
    pathsInUse.add(key);
    this.lockedPath = key;
  }

  async close(): Promise<void> {
    await this.db.destroy();
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.instance.closeSync();
    if (this.lockedPath) pathsInUse.delete(this.lockedPath);
  }

  protected async acquire(): Promise<DuckDBConnection> {
    const connection = this.idle.pop();
    if (connection) return connection;
    const created = await this.instance.connect();
    // Unqualified names in migrations and models resolve in the configured schema of this file,
    // even when a schema and the file share a name (orb.duckdb with schema orb).
    const path = `${quote(this.catalog)}.${quote(this.schema)}`.replace(/'/g, "''");
    await created.run(`set search_path = '${path}'`);
    return created;
  }

  protected async release(connection: DuckDBConnection): Promise<void> {
    this.idle.push(connection);
  }

  protected bindKysely(connection: DuckDBConnection): Db {
    return new Kysely<Database>({
      dialect: new DuckDBDialect({
        acquire: async () => connection,
        release: async () => {},
        close: async () => {},
      }),
    });
  }

  protected async bulkLoadOn(connection: DuckDBConnection, table: TableDef, rows: ReadonlyArray<Partial<LoadRow>>, shared: Partial<LoadRow>): Promise<void> {
    const appender = await connection.createAppender(table.name, this.schema, this.catalog);
    try {
      const appenders = (await this.layout(connection, table, appender.columnCount)).map((column) => {
        const spec = table.columns[column];
        if (spec === undefined) throw new Error(`table ${table.name} has a column ${column} that its declaration lacks`);
        const append = appendFor(appender, columnKind(spec));
        const isShared = column in shared;
        const sharedValue = (shared as Record<string, unknown>)[column];
        return (row: Partial<LoadRow>) => {
          const value = isShared ? sharedValue : (row as Record<string, unknown>)[column];
          if (value === null || value === undefined) appender.appendNull();
          else append(value);
        };
      });
      for (const row of rows) {
        for (const append of appenders) append(row);
        appender.endRow();
      }
      appender.flushSync();
    } catch (error) {
      // Closing flushes again and would throw "transaction is aborted", hiding why (an out of memory, say).
      try {
        appender.closeSync();
      } catch {}
      throw explainDuckDBError(error);
    }
    appender.closeSync();
  }

  private async layout(connection: DuckDBConnection, table: TableDef, columnCount: number): Promise<string[]> {
    const known = this.layouts.get(table.name);
    if (known && known.length === columnCount) return known;
    const reader = await connection.runAndReadAll(
      `select column_name from information_schema.columns
       where table_catalog = $1 and table_schema = $2 and table_name = $3 order by ordinal_position`,
      [this.catalog, this.schema, table.name],
    );
    const columns = reader.getRowObjects().map((row) => String(row.column_name));
    this.layouts.set(table.name, columns);
    return columns;
  }

  private pool(): DuckDBConnectionProvider {
    return {
      acquire: () => this.acquire(),
      release: (connection) => this.release(connection),
      close: async () => {},
    };
  }
}

function appendFor(appender: DuckDBAppender, kind: ColumnKind): (value: unknown) => void {
  switch (kind) {
    case 'decimal':
      return (value) => appender.appendDecimal(new DuckDBDecimalValue(toMoney(String(value)).units, MONEY_PRECISION, MONEY_SCALE));
    case 'timestamptz':
      return (value) => appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(toDate(value).getTime()) * 1000n));
    case 'bigint':
      return (value) => appender.appendBigInt(BigInt(value as number | bigint | string));
    case 'integer':
      return (value) => appender.appendInteger(Number(value));
    case 'boolean':
      return (value) => appender.appendBoolean(value === true);
    case 'date':
    case 'text':
    case 'json':
      return (value) => appender.appendVarchar(String(value));
  }
}

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function bytes(size: string): number {
  const parsed = parseSize(size);
  if (parsed === undefined) throw new UserError(`DuckDB memory limit ${size} is not a size like 100MB or 2GB`);
  return parsed;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
