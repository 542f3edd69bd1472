import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { openDestination } from '../../src/destinations/open-destination.js';
import { defineTable } from '../../src/schema/table.js';
import { ENGINES, postgresUrl } from '../helpers/engines.js';

const STAGED = defineTable('staged', { id: 'bigint', day: 'date' });
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, day: `2026-03-${String((i % 28) + 1).padStart(2, '0')}` }));

describe.each(ENGINES)('refreshStatistics on $name', (engine) => {
  let destination: Destination;
  let schema: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    let target;
    ({ target, schema, cleanup } = await engine.fresh());
    destination = await openDestination(target, schema);
    await destination.query('create table staged (id bigint, day date)');
    // A table of the analyst's in the same schema: never orb-sync's to maintain.
    await destination.query('create table analysts_table (id bigint)');
    await destination.query(`insert into analysts_table select * from ${engine.name === 'duckdb' ? 'range(500)' : 'generate_series(1, 500)'}`);
    await destination.transaction((tx) => tx.bulkLoad(STAGED, rows(400)));
  });

  afterEach(async () => {
    await destination?.close();
    await cleanup?.();
  });

  if (engine.name === 'duckdb') {
    it('has nothing to do: DuckDB keeps its statistics as it writes', async () => {
      expect(await destination.refreshStatistics({ staged: 400 })).toEqual([]);
    });
    return;
  }

  const reltuples = async (table: string) =>
    Number((await destination.query<{ n: string }>(`select reltuples::bigint as n from pg_class where oid = '"${schema}"."${table}"'::regclass`))[0]!.n);

  it('analyzes a table the run wrote over 10% of, not one it barely touched, and never a table of the analyst', async () => {
    // Never analyzed: PostgreSQL knows nothing of its 400 rows.
    expect(await reltuples('staged')).toBe(-1);

    expect(await destination.refreshStatistics({ staged: 400 })).toEqual(['staged']);
    expect(await reltuples('staged')).toBe(400);
    expect(await reltuples('analysts_table')).toBe(-1);

    await destination.transaction((tx) => tx.bulkLoad(STAGED, rows(60)));
    // 60 rows written: under 50 + 10% of 400.
    expect(await destination.refreshStatistics({ staged: 60 })).toEqual([]);
    expect(await reltuples('staged')).toBe(400);
    await destination.transaction((tx) => tx.bulkLoad(STAGED, rows(100)));
    expect(await destination.refreshStatistics({ staged: 100 })).toEqual(['staged']);
    expect(await reltuples('staged')).toBe(560);
  });

  it("summarizes the block ranges a run filled in a table's BRIN index, as in the facts' index on day, and not the analyst's", async () => {
    // One page per range. CREATE INDEX summarizes the pages there are; the run's 400 rows then fill new ones.
    await destination.query('create index staged_on_day on staged using brin (day) with (pages_per_range = 1)');
    await destination.query('create index analysts_on_id on analysts_table using brin (id) with (pages_per_range = 1)');
    await destination.query(`insert into analysts_table select * from generate_series(1, 500)`);
    await destination.transaction((tx) => tx.bulkLoad(STAGED, rows(400)));
    // What is left to summarize (summarizing it, so each index can be asked once).
    const unsummarized = async (index: string) => Number((await destination.query<{ n: string }>(`select brin_summarize_new_values('"${schema}"."${index}"'::regclass) as n`))[0]!.n);

    // Analyzed, not vacuumed (nothing was deleted), and VACUUM is what summarizes by itself.
    expect(await destination.refreshStatistics({ staged: 400 })).toEqual(['staged']);
    expect(await unsummarized('staged_on_day')).toBe(0);
    expect(await unsummarized('analysts_on_id')).toBeGreaterThan(0);
  });

  it('vacuums a table whose deleted rows pass 20% of it, as a model build leaves its facts', async () => {
    await destination.refreshStatistics({ staged: 400 });
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      // The server counts dead rows when the deleting session reports them; make it report now.
      await client.query(`delete from "${schema}".staged where id >= 200; select pg_stat_force_next_flush()`);
      const dead = async () => Number((await client.query(`select n_dead_tup from pg_stat_user_tables where relid = '"${schema}".staged'::regclass`)).rows[0].n_dead_tup);
      for (let waited = 0; (await dead()) < 200 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(await dead()).toBe(200);

      expect(await destination.refreshStatistics({ staged: 0 })).toEqual(['staged']);
      expect(await dead()).toBe(0);
      expect(await reltuples('staged')).toBe(200);
    } finally {
      await client.end();
    }
  });
});
