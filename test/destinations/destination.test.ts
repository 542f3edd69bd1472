import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, type DestinationTarget } from '../../src/config.js';
import { sql } from 'kysely';
import type { Destination, LoadTransaction } from '../../src/destinations/destination.js';
import { listMigrations, migrate } from '../../src/destinations/migrate.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { defineTable } from '../../src/schema/table.js';
import { ENGINES } from '../helpers/engines.js';

const SAMPLE = defineTable('sample', {
  id: 'bigint',
  label: 'text?',
  amount: 'decimal?',
  happened_at: 'timestamptz?',
  day: 'date?',
  doc: 'json?',
});

// The physical order differs from the declaration's: loads go by column name on both engines.
const SAMPLE_DDL = `create table sample (doc json, id bigint, day date, amount decimal(38, 18), label varchar, happened_at timestamptz)`;

/** Reads a setting inside a transaction. */
const setting =
  (name: string) =>
  async ({ db }: LoadTransaction): Promise<string> =>
    (await sql<{ value: string }>`select current_setting(${sql.lit(name)}) as value`.execute(db)).rows[0]!.value;

const row = (id: number | bigint, label: string | null, amount: string | null, happened_at: Date | null, day: string | null, doc: string | null) => ({
  id, label, amount, happened_at, day, doc,
});

describe.each(ENGINES)('$name destination', (engine) => {
  let target: DestinationTarget;
  let schema: string;
  let cleanup: () => Promise<void>;
  let destination: Destination;

  beforeEach(async () => {
    ({ target, schema, cleanup } = await engine.fresh());
    destination = await openDestination(target, schema);
    await destination.query(SAMPLE_DDL);
  });

  afterEach(async () => {
    await destination?.close();
    await cleanup?.();
  });

  it('bulk-loads and reads back exact decimals, awkward text, instants and dates as the same strings', async () => {
    const rows = [
      row(1n, 'tab\there, newline\nthere, back\\slash, quote\'s', '0.000000000000000001', new Date('2026-03-01T18:30:00.123Z'), '2026-03-02', '{"a":[1,2]}'),
      row(2, null, '-99999999999999999999.999999999999999999', new Date('2026-11-01T07:00:00Z'), '2026-11-01', 'null'),
      row(3, 'ünïcødé ✓', '12.50', null, null, null),
      // Each character COPY must escape, alone in its value.
      row(4, 'C:\\back\\slash', null, null, null, null),
      row(5, 'line\nfeed', null, null, null, null),
      row(6, 'carriage\rreturn', null, null, null, null),
    ];
    await destination.transaction((tx) => tx.bulkLoad(SAMPLE, rows));
    const back = await destination.query('select id, label, amount, happened_at, day, doc from sample order by id');
    expect(back).toEqual([
      { id: '1', label: "tab\there, newline\nthere, back\\slash, quote's", amount: '0.000000000000000001', happened_at: '2026-03-01T18:30:00.123Z', day: '2026-03-02', doc: '{"a":[1,2]}' },
      { id: '2', label: null, amount: '-99999999999999999999.999999999999999999', happened_at: '2026-11-01T07:00:00.000Z', day: '2026-11-01', doc: 'null' },
      { id: '3', label: 'ünïcødé ✓', amount: '12.5', happened_at: null, day: null, doc: null },
      { id: '4', label: 'C:\\back\\slash', amount: null, happened_at: null, day: null, doc: null },
      { id: '5', label: 'line\nfeed', amount: null, happened_at: null, day: null, doc: null },
      { id: '6', label: 'carriage\rreturn', amount: null, happened_at: null, day: null, doc: null },
    ]);
    // Sums stay exact at full width on both engines.
    expect(await destination.query('select sum(amount) as s, count(amount) as n from sample')).toEqual([
      { s: '-99999999999999999987.499999999999999998', n: '3' },
    ]);
  });

  it('writes each row its own values where the rows before held the same ones (one Date object, one string)', async () => {
    const instant = new Date('2026-03-01T00:00:00Z');
    const rows = [
      row(1, 'same', '1.5', instant, '2026-03-01', null),
      row(2, 'same', '1.5', instant, '2026-03-01', null),
      row(3, 'tab\there', '2.5', new Date('2026-03-02T00:00:00Z'), null, '{}'),
      row(4, 'tab\there', '2.5', instant, '2026-03-01', null),
    ];
    await destination.transaction((tx) => tx.bulkLoad(SAMPLE, rows));
    expect(await destination.query('select id, label, amount, happened_at, day, doc from sample order by id')).toEqual([
      { id: '1', label: 'same', amount: '1.5', happened_at: '2026-03-01T00:00:00.000Z', day: '2026-03-01', doc: null },
      { id: '2', label: 'same', amount: '1.5', happened_at: '2026-03-01T00:00:00.000Z', day: '2026-03-01', doc: null },
      { id: '3', label: 'tab\there', amount: '2.5', happened_at: '2026-03-02T00:00:00.000Z', day: null, doc: '{}' },
      { id: '4', label: 'tab\there', amount: '2.5', happened_at: '2026-03-01T00:00:00.000Z', day: '2026-03-01', doc: null },
    ]);
  });

  it('fills the shared columns of every row from one value, whatever the rows hold', async () => {
    const rows = [
      { id: 1, label: 'own', amount: '1.5', happened_at: null, day: '2026-01-01' },
      { id: 2, label: 'also own', amount: null, happened_at: new Date('2026-01-02T00:00:00Z'), day: '2026-01-02', doc: '{"ignored":true}' },
    ];
    await destination.transaction((tx) => tx.bulkLoad(SAMPLE, rows, { doc: '{"shared":1}' }));
    expect(await destination.query('select id, label, amount, doc from sample order by id')).toEqual([
      { id: '1', label: 'own', amount: '1.5', doc: '{"shared":1}' },
      { id: '2', label: 'also own', amount: null, doc: '{"shared":1}' },
    ]);
  });

  it.each([
    ['more decimals than the column holds, instead of rounding it', '0.0000000000000000001'],
    ['more digits before the point than the column holds', '100000000000000000000'],
    ['no number at all, which PostgreSQL would store', 'NaN'],
  ])('refuses an amount with %s', async (_, amount) => {
    // After a row whose amount fits: each value is checked, not only the first of a column.
    const load = destination.transaction((tx) => tx.bulkLoad(SAMPLE, [row(1, 'x', '1.5', null, null, null), row(2, 'x', amount, null, null, null)]));
    await expect(load).rejects.toThrow(/decimal places|does not fit|not a decimal/i);
    expect(await destination.query('select count(*) as n from sample')).toEqual([{ n: '0' }]);
  });

  it('rolls back everything in a transaction that fails', async () => {
    const failing = destination.transaction(async (tx) => {
      await tx.bulkLoad(SAMPLE, [row(1, 'kept?', '1', null, null, null)]);
      await tx.db.executeQuery({ sql: "insert into sample (id, label) values (2, 'also kept?')", parameters: [] } as never);
      throw new Error('crash in the middle');
    });
    await expect(failing).rejects.toThrow('crash in the middle');
    expect(await destination.query('select count(*) as n from sample')).toEqual([{ n: '0' }]);
  });

  it("empties a table in a transaction: its columns and constraints stay, views over it read it, a rollback brings the rows back", async () => {
    await destination.query('create table fct_sample (day date not null, total decimal(38, 18) not null)');
    await destination.query("insert into fct_sample values ('2026-01-01', 1.5), ('2026-01-02', 2.25)");
    await destination.query('create view fct_sample_total as select sum(total) as total from fct_sample');
    const failure = await destination
      .transaction(async ({ db }) => {
        await destination.emptyTable(db, 'fct_sample');
        expect((await sql<{ n: string }>`select count(*) as n from fct_sample`.execute(db)).rows[0]!.n).toBe('0');
        await sql`insert into fct_sample values ('2026-01-03', 4)`.execute(db);
        await expect(sql`insert into fct_sample values (null, 1)`.execute(db)).rejects.toThrow(/null/i);
        throw new Error('roll back');
      })
      .catch((error: Error) => error);
    expect(failure).toEqual(new Error('roll back'));
    expect(await destination.query('select total from fct_sample_total')).toEqual([{ total: '3.75' }]);
    await destination.transaction(({ db }) => destination.emptyTable(db, 'fct_sample'));
    await destination.query("insert into fct_sample values ('2026-01-03', 4)");
    expect(await destination.query('select total from fct_sample_total')).toEqual([{ total: '4' }]);
    expect(await destination.query("select column_name, data_type, is_nullable from information_schema.columns where table_name = 'fct_sample' and table_schema = '" + schema + "' order by ordinal_position")).toEqual(
      engine.name === 'duckdb'
        ? [{ column_name: 'day', data_type: 'DATE', is_nullable: 'NO' }, { column_name: 'total', data_type: 'DECIMAL(38,18)', is_nullable: 'NO' }]
        : [{ column_name: 'day', data_type: 'date', is_nullable: 'NO' }, { column_name: 'total', data_type: 'numeric', is_nullable: 'NO' }],
    );
  });

  it('applies the migrations once, recording each', async () => {
    const versions = listMigrations().map((m) => m.version);
    expect(await migrate(destination)).toEqual(versions);
    expect(await migrate(destination)).toEqual([]);
    const recorded = await destination.query<{ version: string }>('select version from schema_migrations order by version');
    expect(recorded.map((r) => r.version)).toEqual(versions);
  });

  it('gives DuckDB the memory limit of the settings, and an out-of-memory names the setting; PostgreSQL has no use for it', async () => {
    const env = { ORB_SYNC_DESTINATION: target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url, ORB_SYNC_DUCKDB_MEMORY_LIMIT: '16MB' };
    await destination.close(); // one DuckDB instance per file
    destination = await openDestination(loadSettings({ env }).destination, schema);
    if (engine.name === 'postgres') {
      expect(await destination.query('select 1 as one')).toEqual([{ one: 1 }]);
      return;
    }
    expect(await destination.query("select current_setting('memory_limit') as m")).toEqual([{ m: '15.2 MiB' }]);
    // Under the loads' own limit (64MB), loads keep the configured one too.
    expect([await destination.transaction(setting('memory_limit')), await destination.modelBuildTransaction(setting('memory_limit'))]).toEqual(['15.2 MiB', '15.2 MiB']);
    // A list aggregate cannot spill to disk: 5,000,000 integers in one list need more than 16MB.
    await expect(destination.query('select k, list(i) from range(5000000) t(i), (select 1 as k) group by k')).rejects.toThrow(
      /^DuckDB ran out of memory \(.*\): raise ORB_SYNC_DUCKDB_MEMORY_LIMIT \(--duckdb-memory-limit\)$/,
    );
  });

  it("starts a model build's transaction with the engine's build settings and every other one without them", async () => {
    const env = { ORB_SYNC_DESTINATION: target.engine === 'duckdb' ? `duckdb:${target.path}` : target.url, ORB_SYNC_DUCKDB_MEMORY_LIMIT: '200MB' };
    await destination.close();
    destination = await openDestination(loadSettings({ env }).destination, schema);
    // DuckDB: builds take the configured memory limit, loads 64MB; PostgreSQL: builds plan without nested loops.
    const read = setting(engine.name === 'duckdb' ? 'memory_limit' : 'enable_nestloop');
    const seen = [await destination.transaction(read), await destination.modelBuildTransaction(read), await destination.transaction(read)];
    expect(seen).toEqual(engine.name === 'duckdb' ? ['61.0 MiB', '190.7 MiB', '61.0 MiB'] : ['on', 'off', 'on']);
  });

  it("collects the JavaScript garbage before DuckDB, in the same process, takes a model build's memory", async () => {
    // An array this large goes straight to V8's old generation, which only a full collection frees.
    let garbage: number[] | undefined = new Array<number>(4_000_000).fill(1);
    const garbageRef = new WeakRef(garbage);
    garbage = undefined;
    await new Promise((resolve) => setTimeout(resolve, 0)); // a WeakRef holds its target until the job that made it ends
    await destination.transaction(async () => undefined);
    const collected = await destination.modelBuildTransaction(async () => garbageRef.deref() === undefined);
    // PostgreSQL's memory is its server's; the client leaves collection to V8.
    if (engine.name === 'duckdb') expect(collected).toBe(true);
  });

  it('lets only one sync hold the destination at a time', async () => {
    await destination.lockForSync();
    const second = await openDestination(target, schema).catch((error: Error) => error);
    if (second instanceof Error) {
      // DuckDB: the file itself is held by this process.
      expect(engine.name).toBe('duckdb');
      return;
    }
    try {
      await expect(second.lockForSync()).rejects.toThrow(/already running/);
    } finally {
      await second.close();
    }
  });
});
