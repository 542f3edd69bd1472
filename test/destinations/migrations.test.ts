import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { listMigrations, migrate } from '../../src/destinations/migrate.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { FACT_TABLES } from '../../src/schema/facts.js';
import { RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_USAGE_DAYS } from '../../src/schema/staging.js';
import { columnKind, isNullable, type Columns, type ColumnSpec, type LoadRow } from '../../src/schema/table.js';
import { ENGINES } from '../helpers/engines.js';

const KEYLESS_FACTS = '007_fact_tables_without_keys';

/** Row i of a table: distinct grains, exact 18-decimal amounts, nullable columns null in row 1. */
function factRow(columns: Columns, i: number): LoadRow {
  const value = (spec: ColumnSpec, column: string) => {
    if (i === 1 && isNullable(spec)) return null;
    switch (columnKind(spec)) {
      case 'date':
        return `2026-03-0${i + 1}`;
      case 'timestamptz':
        return `2026-03-01T0${i}:30:00.000Z`;
      case 'decimal':
        return `${i}.000000000123456789`;
      case 'bigint':
        return String(1000 + i);
      case 'boolean':
        return i === 0;
      default:
        return `${column}_${i}`;
    }
  };
  return Object.fromEntries(Object.entries(columns).map(([column, spec]) => [column, value(spec, column)]));
}

describe.each(ENGINES)(`migration ${KEYLESS_FACTS} on $name`, (engine) => {
  const open: Array<{ destination: Destination; cleanup: () => Promise<void> }> = [];
  afterEach(async () => {
    for (const { destination, cleanup } of open.splice(0)) {
      await destination.close();
      await cleanup();
    }
  });

  it("keeps every fact row, exactly, and the analysts' views on the fact tables", async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const destination = await openDestination(target, schema);
    open.push({ destination, cleanup });
    await migrate(destination, listMigrations().filter((m) => m.version < KEYLESS_FACTS));
    for (const table of FACT_TABLES) {
      await destination.transaction((tx) => tx.bulkLoad(table, [factRow(table.columns, 0), factRow(table.columns, 1)]));
    }
    await destination.query('create view my_costs_by_day as select day, sum(total) as total, count(*) as prices from fct_daily_costs group by day');
    const contents = () => Promise.all(FACT_TABLES.map((t) => destination.query(`select * from ${t.name} order by ${t.grain.join(', ')}`)));
    const mine = () => destination.query('select * from my_costs_by_day order by day');
    const [factsBefore, mineBefore] = [await contents(), await mine()];
    expect(factsBefore.map((rows) => rows.length)).toEqual(FACT_TABLES.map(() => 2));
    expect(mineBefore).toEqual([
      { day: '2026-03-01', total: '0.000000000123456789', prices: '1' },
      { day: '2026-03-02', total: '1.000000000123456789', prices: '1' },
    ]);

    expect(await migrate(destination, listMigrations().filter((m) => m.version <= KEYLESS_FACTS))).toEqual([KEYLESS_FACTS]);

    expect(await contents()).toEqual(factsBefore);
    expect(await mine()).toEqual(mineBefore);
  });
});

const STAGING_WITHOUT_INDEXES = '009_staging_without_indexes';

describe.each(ENGINES)(`migration ${STAGING_WITHOUT_INDEXES} on $name`, (engine) => {
  it('keeps the staged rows; DuckDB drops the staging indexes that held memory growing with the account, PostgreSQL keeps them', async () => {
    const { target, schema, cleanup } = await engine.fresh();
    const destination = await openDestination(target, schema);
    try {
      await migrate(destination, listMigrations().filter((m) => m.version < STAGING_WITHOUT_INDEXES));
      const staged = [RAW_SUBSCRIPTION_COST_DAYS, RAW_SUBSCRIPTION_USAGE_DAYS];
      for (const table of staged) await destination.transaction((tx) => tx.bulkLoad(table, [0, 1].map((i) => factRow(table.columns, i))));
      const contents = () => Promise.all(staged.map((t) => destination.query(`select * from ${t.name} order by load_id`)));
      const before = await contents();
      const indexes = () =>
        destination.query<{ name: string }>(
          engine.name === 'duckdb'
            ? `select index_name as name from duckdb_indexes() where schema_name = '${schema}' and table_name like 'raw_%' order by 1`
            : `select indexname as name from pg_indexes where schemaname = '${schema}' and tablename like 'raw_%' order by 1`,
        );
      const indexed = ['raw_subscription_cost_days_by_day', 'raw_subscription_usage_days_by_day'];
      expect((await indexes()).map((i) => i.name)).toEqual(expect.arrayContaining(indexed));

      expect(await migrate(destination, listMigrations().filter((m) => m.version <= STAGING_WITHOUT_INDEXES))).toEqual([STAGING_WITHOUT_INDEXES]);

      expect(await contents()).toEqual(before);
      // DuckDB: no index on any staging table.
      expect((await indexes()).map((i) => i.name)).toEqual(engine.name === 'duckdb' ? [] : expect.arrayContaining(indexed));
    } finally {
      await destination.close();
      await cleanup();
    }
  });
});

describe('migrations written per engine', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const sqlDir = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'orb-sync-sql-'));
    dirs.push(dir);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  };

  it('are one version, each engine running its own file; a file for one engine alone is refused', () => {
    const dir = sqlDir({ '001_both.sql': 'shared', '002_split.duckdb.sql': 'for duckdb', '002_split.postgres.sql': 'for postgres' });
    expect(listMigrations(dir)).toEqual([
      { version: '001_both', text: { duckdb: 'shared', postgres: 'shared' } },
      { version: '002_split', text: { duckdb: 'for duckdb', postgres: 'for postgres' } },
    ]);
    expect(() => listMigrations(sqlDir({ '001_split.postgres.sql': 'for postgres' }))).toThrow(/001_split.duckdb.sql and 001_split.postgres.sql/);
  });
});
