import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import type { Db, Destination } from '../../src/destinations/destination.js';
import { ENGINES, migratedDestination } from '../helpers/engines.js';

/** Days on or after the scope's first day, of DAYS; a parameter, as orb-sync's statements have, is planned as the statement runs. */
const daysInScope = async (db: Db) =>
  (await sql<{ n: string | number }>`select count(*) as n from scanned_days where day >= scope_first_day() and day > cast(${'2000-01-01'} as date)`.execute(db)).rows[0]!.n;

const firstDay = async (db: Db) => (await sql<{ day: string | null }>`select scope_first_day() as day`.execute(db)).rows[0]!.day;

/** The plan's text of a scan from the scope's first day. */
const plan = async (destination: Destination, db: Db) => {
  const { rows } = await db.executeQuery<Record<string, string>>(CompiledQuery.raw('explain select count(*) from scanned_days where day >= scope_first_day()'));
  return rows.map((row) => (destination.engine === 'postgres' ? row['QUERY PLAN'] : row.explain_value)).join('\n');
};

describe.each(ENGINES)('scope_first_day() on $name', (engine) => {
  let destination: Destination;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ destination, close } = await migratedDestination(engine));
    await destination.query("create table scanned_days as select cast(day as date) as day from (values ('2026-03-15'), ('2026-04-15'), ('2026-05-15')) v(day)");
  });

  afterAll(async () => {
    await close?.();
  });

  it('is null before any build, so the scoped views are empty there', async () => {
    expect(await destination.transaction(({ db }) => firstDay(db))).toBeNull();
  });

  it("is each build's own day, in successive builds on one connection", async () => {
    for (const [day, inScope] of [['2026-04-01', 2], ['2026-03-01', 3], ['2026-06-01', 0], ['2026-04-15', 2]] as const) {
      const seen = await destination.modelBuildTransaction(async ({ db }) => {
        await db.executeQuery(CompiledQuery.raw(destination.scopeFirstDayStatement(day)));
        return { day: await firstDay(db), inScope: Number(await daysInScope(db)) };
      });
      expect(seen).toEqual({ day, inScope });
    }
  });

  it("is planned as the build's date: a scan compares each row with a constant, not with a setting read again", async () => {
    const text = await destination.modelBuildTransaction(async ({ db }) => {
      await db.executeQuery(CompiledQuery.raw(destination.scopeFirstDayStatement('2026-04-01')));
      return plan(destination, db);
    });
    expect(text).toContain('2026-04-01');
    expect(text).not.toMatch(/current_setting|getvariable|scope_first_day/i);
  });
});
