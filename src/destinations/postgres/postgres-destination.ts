import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError, errorMessage } from '../../errors.js';
import { formatDecimal } from '../../util/decimal.js';
import type { Database } from '../../schema/database.js';
import { columnKind, type ColumnKind, type LoadRow, type TableDef } from '../../schema/table.js';
import { BaseDestination, type Db } from '../destination.js';
import { toMoney } from '../money.js';
import { postgresTypeParsers } from '../normalize.js';

export class PostgresDestination extends BaseDestination<pg.PoolClient> {
  readonly engine = 'postgres';
  readonly db: Db;
  // The models join versioned staging on composite keys, where PostgreSQL's row estimates are
  // off by orders of magnitude (a "latest version" join estimated at 1 row); it then picks nested
  // loops over window functions and a build of a few thousand rows takes minutes instead of
  // milliseconds. Hash joins are the right plan for these set-at-a-time builds.
  readonly modelBuildSetup = ['set local enable_nestloop = off'];
  // The server's memory, not ours, and each chunk would scan the staging tables again: one chunk.
  readonly fullBuildChunkDays = Infinity;
  private lockClient?: pg.PoolClient;

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    super(schema);
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
    return new Kysely<Database>({
      dialect: new PostgresDialect({ pool: { connect: async () => heldClient, end: async () => {} } as never }),
    });
  }

  protected async bulkLoadOn(client: pg.PoolClient, table: TableDef, rows: ReadonlyArray<Partial<LoadRow>>, shared: Partial<LoadRow>): Promise<void> {
    const columns = Object.entries(table.columns).map(([name, spec]) => ({ name, kind: columnKind(spec) }));
    const copy = client.query(copyFrom(`copy "${table.name}" (${columns.map((c) => `"${c.name}"`).join(', ')}) from stdin`));
    await pipeline(Readable.from(copyLines(columns, rows, shared)), copy);
  }
}

/**
 * COPY's text format, a few hundred rows per chunk, each value taken from its row by column name.
 * A shared column's text is made once, and so is the text of a value that repeats the previous
 * row's in its column (a cost day's price rows share its subscription, day and instants).
 */
function* copyLines(
  columns: ReadonlyArray<{ name: string; kind: ColumnKind }>,
  rows: ReadonlyArray<Partial<LoadRow>>,
  shared: Partial<LoadRow>,
): Generator<string> {
  const sharedFields = columns.map(({ name, kind }) => (name in shared ? copyField((shared as Record<string, unknown>)[name], kind) : undefined));
  const previous = columns.map(() => ({ value: UNSEEN as unknown, text: '' }));
  let chunk = '';
  for (let index = 0; index < rows.length; index += 1) {
    const record = rows[index] as Record<string, unknown>;
    let line = '';
    for (let i = 0; i < columns.length; i += 1) {
      let text = sharedFields[i];
      if (text === undefined) {
        const value = record[columns[i]!.name];
        const last = previous[i]!;
        if (value !== last.value) {
          last.text = copyField(value, columns[i]!.kind);
          last.value = value;
        }
        text = last.text;
      }
      line += i === 0 ? text : `\t${text}`;
    }
    chunk += `${line}\n`;
    if (index % 500 === 499) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const UNSEEN = Symbol('no value yet');

/** A plain decimal that fits DECIMAL(38,18) as it is: toMoney would accept it, and PostgreSQL stores it unrounded. */
const FITTING_DECIMAL = /^-?\d{1,20}(\.\d{1,18})?$/;
const COPY_SPECIAL = /[\\\t\n\r]/;

function copyField(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return '\\N';
  const text = value instanceof Date ? value.toISOString() : String(value);
  // PostgreSQL would round an amount with too many decimals; toMoney refuses it, as on DuckDB.
  // Most amounts fit as sent and skip the parse and reformat (through a BigInt each).
  if (kind === 'decimal') return FITTING_DECIMAL.test(text) ? text : formatDecimal(toMoney(text));
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : text;
}
