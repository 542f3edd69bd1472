import { resolve } from 'node:path';
import {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
} from '@duckdb/node-api';
import { Kysely } from 'kysely';
import { UserError, errorMessage } from '../../errors.js';
import { BaseDestination, type ColumnType, type Db, type Row, type TableShape } from '../destination.js';
import { MONEY_PRECISION, MONEY_SCALE, toMoney } from '../money.js';
import type { DuckDBConnectionProvider } from './duckdb-connection-provider.js';
import { DuckDBDialect } from './duckdb-dialect.js';

/** DuckDB admits one writing process per file; inside this process the same rule holds per path. */
const pathsInUse = new Set<string>();

export class DuckDBDestination extends BaseDestination<DuckDBConnection> {
  readonly engine = 'duckdb';
  readonly db: Db;
  private readonly idle: DuckDBConnection[] = [];
  private lockedPath?: string;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly path: string,
    schema: string,
  ) {
    super(schema);
    this.db = new Kysely({ dialect: new DuckDBDialect(this.pool()) });
  }

  static async open(path: string, schema: string): Promise<DuckDBDestination> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path);
    } catch (error) {
      const message = errorMessage(error);
      if (/lock/i.test(message)) {
        throw new UserError(`DuckDB file ${path} is in use by another process (another orb-sync running?)`);
      }
      throw new UserError(`cannot open DuckDB file ${path}: ${message.split('\n')[0]}`);
    }
    const setup = await instance.connect();
    await setup.run(`create schema if not exists "${schema}"`);
    setup.closeSync();
    return new DuckDBDestination(instance, path, schema);
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
    // Unqualified names in migrations and models resolve in the configured schema.
    await created.run(`set search_path = '${this.schema}'`);
    return created;
  }

  protected async release(connection: DuckDBConnection): Promise<void> {
    this.idle.push(connection);
  }

  protected bindKysely(connection: DuckDBConnection): Db {
    return new Kysely({
      dialect: new DuckDBDialect({
        acquire: async () => connection,
        release: async () => {},
        close: async () => {},
      }),
    });
  }

  protected async bulkLoadOn(connection: DuckDBConnection, table: TableShape, rows: readonly Row[]): Promise<void> {
    const appender = await connection.createAppender(table.name, this.schema);
    try {
      for (const row of rows) {
        table.columns.forEach((column, index) => appendValue(appender, column.type, row[index] ?? null));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  private pool(): DuckDBConnectionProvider {
    return {
      acquire: () => this.acquire(),
      release: (connection) => this.release(connection),
      close: async () => {},
    };
  }
}

function appendValue(appender: DuckDBAppender, type: ColumnType, value: Row[number]): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'decimal':
      return appender.appendDecimal(new DuckDBDecimalValue(toMoney(String(value)).units, MONEY_PRECISION, MONEY_SCALE));
    case 'timestamptz':
      return appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt((value as Date).getTime()) * 1000n));
    case 'bigint':
      return appender.appendBigInt(BigInt(value as number | bigint | string));
    case 'integer':
      return appender.appendInteger(Number(value));
    case 'date':
    case 'text':
    case 'json':
      return appender.appendVarchar(String(value));
  }
}
