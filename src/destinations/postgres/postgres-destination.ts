import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError, errorMessage } from '../../errors.js';
import { formatDecimal } from '../../util/decimal.js';
import type { Database } from '../../schema/database.js';
import { columnKind, type ColumnKind, type LoadRow, type TableDef } from '../../schema/table.js';
import { BaseDestination, type Db, type TransactionKind } from '../destination.js';
import { toMoney } from '../money.js';
import { postgresTypeParsers } from '../normalize.js';

/** hash_record_extended, which the grain audits use, came in PostgreSQL 14. */
const MIN_SERVER_VERSION = 140000;

export class PostgresDestination extends BaseDestination<pg.PoolClient> {
  readonly engine = 'postgres';
  readonly db: Db;
  // The models join versioned staging on composite keys, where PostgreSQL's row estimates are
  // off by orders of magnitude (a "latest version" join estimated at 1 row); it then picks nested
  // loops over window functions and a build of a few thousand rows takes minutes instead of
  // milliseconds. Or, once the staging tables are analyzed, a merge join on load_id alone (the
  // index by load_id gives its order), which pairs each row with every row of its load (10,000 per
  // commit): 72 s for a full build of 200 subscriptions' year instead of 1 s. Hash joins, on every
  // key column, are the right plan for these set-at-a-time builds.
  protected transactionSetup(kind: TransactionKind): readonly string[] {
    return kind === 'modelBuild' ? ['set local enable_nestloop = off', 'set local enable_mergejoin = off'] : [];
  }
  readonly factsIndexedByDay = true;
  // For the build's transaction only.
  scopeFirstDayStatement(day: string): string {
    return `select set_config('orb_sync.scope_first_day', '${day}', true)`;
  }
  // Each column by its type's own hash (PostgreSQL 14 and later).
  rowHash(columns: readonly string[]): string {
    return `hash_record_extended(row(${columns.join(', ')}), 0)`;
  }
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
    let server: { version: string; name: string };
    let supported: boolean;
    try {
      server = (await pool.query<{ version: string; name: string }>(`select current_setting('server_version_num') as version, current_setting('server_version') as name`)).rows[0]!;
      supported = Number(server.version) >= MIN_SERVER_VERSION;
      // Nothing is created on a server orb-sync then refuses.
      if (supported) await pool.query(`create schema if not exists "${schema}"`);
    } catch (error) {
      await pool.end();
      const { hostname, port, pathname } = new URL(url);
      throw new UserError(
        `cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname}: ${errorMessage(error) || (error as { code?: string }).code}`,
      );
    }
    if (!supported) {
      await pool.end();
      throw new UserError(`orb-sync needs PostgreSQL 14 or later; the server at ${new URL(url).hostname} runs ${server.name}`);
    }
    return new PostgresDestination(pool, schema);
  }

  async lockForSync(): Promise<void> {
    const client = await this.pool.connect();
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [this.lockName()]);
    if (!rows[0]?.locked) {
      client.release();
      throw new UserError(`another sync into schema ${this.schema} is already running`);
    }
    this.lockClient = client;
  }

  // Not TRUNCATE: its lock would hold off every reader of the table until the build commits.
  async emptyTable(db: Db, table: string): Promise<void> {
    await sql`delete from ${sql.table(table)}`.execute(db);
  }

  async refreshStatistics(written: Readonly<Record<string, number>>): Promise<string[]> {
    // autovacuum's default thresholds, over reltuples (-1 before a table's first analyze): rows
    // written over 50 + 10% of the table, dead rows over 50 + 20%. The rows written are the run's
    // own count: the server's counters lag a connection's last transactions by up to seconds.
    const { rows } = await this.pool.query<{ name: string; vacuum: boolean }>(
      `select c.relname as name, coalesce(s.n_dead_tup, 0) > 50 + 0.2 * greatest(c.reltuples, 0) as vacuum
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join unnest($2::text[], $3::bigint[]) w(name, rows) on w.name = c.relname
      left join pg_stat_user_tables s on s.relid = c.oid
      where n.nspname = $1 and c.relkind = 'r'
        and (w.rows > 50 + 0.1 * greatest(c.reltuples, 0) or coalesce(s.n_dead_tup, 0) > 50 + 0.2 * greatest(c.reltuples, 0))
      order by c.relname`,
      [this.schema, Object.keys(written), Object.values(written)],
    );
    // SKIP_LOCKED: a table autovacuum is working on already is left to it.
    for (const { name, vacuum } of rows) await this.pool.query(`${vacuum ? 'vacuum (analyze, skip_locked)' : 'analyze (skip_locked)'} "${this.schema}"."${name}"`);
    // The facts' BRIN indexes (sql/013) skip only the block ranges they summarize, and only VACUUM
    // summarizes by itself: a first sync's facts, never vacuumed, would be read whole by every
    // incremental build until autovacuum came by. This reads just the ranges filled since.
    await this.pool.query(
      `select brin_summarize_new_values(i.indexrelid::regclass)
      from pg_index i
      join pg_class ic on ic.oid = i.indexrelid
      join pg_am am on am.oid = ic.relam
      join pg_class t on t.oid = i.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      where am.amname = 'brin' and n.nspname = $1 and t.relname = any($2::text[])`,
      [this.schema, Object.entries(written).filter(([, count]) => count > 0).map(([name]) => name)],
    );
    return rows.map((row) => row.name);
  }

  async close(): Promise<void> {
    if (this.lockClient) {
      // Unlocked before the session ends: the server ends a closed session in its own time, and a
      // sync started right after this one could still find the lock held. A session that cannot
      // answer releases the lock as it ends.
      await this.lockClient.query('select pg_advisory_unlock(hashtext($1))', [this.lockName()]).catch(() => undefined);
      this.lockClient.release(true);
      this.lockClient = undefined;
    }
    await this.db.destroy();
  }

  private lockName(): string {
    return `orb-sync:${this.schema}`;
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
