import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError, errorMessage } from '../../errors.js';
import { formatDecimal } from '../../util/decimal.js';
import { BaseDestination, type ColumnType, type Db, type Row, type TableShape } from '../destination.js';
import { toMoney } from '../money.js';
import { postgresTypeParsers } from '../normalize.js';

export class PostgresDestination extends BaseDestination<pg.PoolClient> {
  readonly engine = 'postgres';
  readonly db: Db;
  private lockClient?: pg.PoolClient;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    super(schema);
    this.db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  }

  static async open(url: string, schema: string): Promise<PostgresDestination> {
    const pool = new pg.Pool({
      connectionString: url,
      types: postgresTypeParsers,
      // Unqualified names in migrations and models resolve in the configured schema.
      options: `-c search_path=${schema}`,
      application_name: 'orb-sync',
      max: 4,
    });
    try {
      await pool.query(`create schema if not exists "${schema}"`);
    } catch (error) {
      await pool.end();
      const { hostname, port, pathname } = new URL(url);
      throw new UserError(
        `cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname}: ${errorMessage(error) || (error as { code?: string }).code}`,
      );
    }
    return new PostgresDestination(pool, schema);
  }

  async lockForSync(): Promise<void> {
    const client = await this.pool.connect();
    const { rows } = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [`orb-sync:${this.schema}`],
    );
    if (!rows[0]?.locked) {
      client.release();
      throw new UserError(`another sync into schema ${this.schema} is already running`);
    }
    this.lockClient = client;
  }

  async close(): Promise<void> {
    // Ending the session releases the advisory lock with it.
    this.lockClient?.release(true);
    await this.db.destroy();
  }

  protected acquire(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  protected async release(client: pg.PoolClient): Promise<void> {
    client.release();
  }

  protected bindKysely(client: pg.PoolClient): Db {
    const heldClient = { query: client.query.bind(client), release: () => {} };
    return new Kysely({
      dialect: new PostgresDialect({ pool: { connect: async () => heldClient, end: async () => {} } as never }),
    });
  }

  protected async bulkLoadOn(client: pg.PoolClient, table: TableShape, rows: readonly Row[]): Promise<void> {
    const columns = table.columns.map((column) => `"${column.name}"`).join(', ');
    const copy = client.query(copyFrom(`copy "${table.name}" (${columns}) from stdin`));
    await pipeline(Readable.from(copyLines(table, rows)), copy);
  }
}

/** COPY's text format, a few hundred rows per chunk. */
function* copyLines(table: TableShape, rows: readonly Row[]): Generator<string> {
  const types = table.columns.map((column) => column.type);
  let chunk = '';
  for (const [index, row] of rows.entries()) {
    chunk += row.map((value, i) => copyField(value, types[i]!)).join('\t') + '\n';
    if (index % 500 === 499) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function copyField(value: Row[number], type: ColumnType): string {
  if (value === null) return '\\N';
  // PostgreSQL would round an amount with too many decimals; toMoney refuses it, as on DuckDB.
  if (type === 'decimal') return formatDecimal(toMoney(String(value)));
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}
