import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DestinationTarget } from '../../src/config.js';
import type { Destination } from '../../src/destinations/destination.js';
import { migrate } from '../../src/destinations/migrate.js';
import { openDestination } from '../../src/destinations/open-destination.js';

/**
 * Both engines, for describe.each. Every destination test runs on both; PostgreSQL comes from
 * PG_URL and its absence fails the run (a skipped engine would count as passing).
 */
export interface EngineFixture {
  name: 'duckdb' | 'postgres';
  /** A fresh, empty destination and schema; call cleanup() when done. */
  fresh(): Promise<{ target: DestinationTarget; schema: string; cleanup: () => Promise<void> }>;
}

export function postgresUrl(): string {
  const url = process.env.PG_URL;
  if (!url) throw new Error('PG_URL is not set: the PostgreSQL tests need a server (see README, Testing)');
  return url;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export const ENGINES: EngineFixture[] = [
  {
    name: 'duckdb',
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'orb-sync-test-'));
      return {
        target: { engine: 'duckdb', path: join(dir, 'test.duckdb') },
        schema: 'orb',
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      const url = postgresUrl();
      const schema = uniqueName('orb_test');
      return {
        target: { engine: 'postgres', url },
        schema,
        cleanup: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`drop schema if exists "${schema}" cascade`);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

/** A fresh destination of the engine, migrated; `close` closes it and drops what `fresh()` made. */
export async function migratedDestination(engine: EngineFixture): Promise<{ destination: Destination; close: () => Promise<void> }> {
  const { target, schema, cleanup } = await engine.fresh();
  const destination = await openDestination(target, schema);
  const close = async () => {
    try {
      await destination.close();
    } finally {
      await cleanup();
    }
  };
  try {
    await migrate(destination);
  } catch (error) {
    await close();
    throw error;
  }
  return { destination, close };
}
