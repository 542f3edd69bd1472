import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { DECLARED_TABLES, isStagingTable } from '../../src/schema/database.js';
import { FACT_TABLES } from '../../src/schema/facts.js';
import { columnKind, isNullable, type ColumnKind, type Columns, type TableDef } from '../../src/schema/table.js';
import { ENGINES, migratedDestination } from '../helpers/engines.js';

/** information_schema's data_type per engine, as the declaration's column kind. */
const KINDS: Record<string, ColumnKind> = {
  VARCHAR: 'text',
  'character varying': 'text',
  'DECIMAL(38,18)': 'decimal',
  'numeric(38,18)': 'decimal',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  DATE: 'date',
  date: 'date',
  BIGINT: 'bigint',
  bigint: 'bigint',
  INTEGER: 'integer',
  integer: 'integer',
  BOOLEAN: 'boolean',
  boolean: 'boolean',
  JSON: 'json',
  json: 'json',
};

/** A declaration as "name kind[?]" per column, in declared order. */
function declared(table: TableDef): string[] {
  return Object.entries(table.columns).map(([name, spec]) => `${name} ${columnKind(spec)}${isNullable(spec) ? '?' : ''}`);
}

describe.each(ENGINES)('table declarations against the migrated $name schema', (engine) => {
  let destination: Destination;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ destination, close } = await migratedDestination(engine));
  });

  afterAll(async () => {
    await close?.();
  });

  async function migrated(table: string): Promise<string[]> {
    const columns = await destination.query<{ column_name: string; data_type: string; precision: string | null; scale: string | null; is_nullable: string }>(
      `select column_name, data_type, numeric_precision as precision, numeric_scale as scale, is_nullable
       from information_schema.columns
       where table_catalog = current_database() and table_schema = $1 and table_name = $2 order by ordinal_position`,
      [destination.schema, table],
    );
    return columns.map((c) => {
      const type = /^(numeric|DECIMAL)/.test(c.data_type) ? `${c.data_type.replace(/\(.*$/, '')}(${c.precision},${c.scale})` : c.data_type;
      return `${c.column_name} ${KINDS[type] ?? `unknown type ${type}`}${c.is_nullable === 'YES' ? '?' : ''}`;
    });
  }

  it.each(DECLARED_TABLES.map((table) => [table.name, table] as const))('%s: columns, order, types and nullability match', async (_, table) => {
    expect(await migrated(table.name)).toEqual(declared(table));
  });

  it('gives every fact table a grain of NOT NULL columns, and no key on the table (each model build audits the grain)', async () => {
    for (const table of FACT_TABLES) {
      const columns: Columns = table.columns;
      for (const column of table.grain) {
        const spec = columns[column];
        expect(spec !== undefined && !isNullable(spec), `${table.name}.${column} is a NOT NULL column`).toBe(true);
      }
    }
    const keys = await destination.query(
      `select table_name, constraint_type from information_schema.table_constraints
       where table_catalog = current_database() and table_schema = $1 and constraint_type in ('PRIMARY KEY', 'UNIQUE')`,
      [destination.schema],
    );
    expect(keys.filter((k) => FACT_TABLES.some((t) => t.name === k.table_name))).toEqual([]);
  });

  it('gives every staging table its version key columns (a child its parent\'s key)', () => {
    for (const table of DECLARED_TABLES.filter(isStagingTable)) {
      for (const column of table.versionKey) expect(table.columns, `${table.name}.${column}`).toHaveProperty(column);
      if (table.versionedWith) expect(table.versionKey).toEqual(table.versionedWith.versionKey);
      else expect(table.columns).toHaveProperty('content_hash');
    }
  });
});
