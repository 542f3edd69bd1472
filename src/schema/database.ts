import {
  BUILD_SCOPE,
  EVENT_SEARCH_REQUESTS,
  MODEL_BUILD_STATE,
  MODEL_STATE,
  REJECTS,
  RESTATEMENT_SCOPE,
  RESTATEMENT_TOTALS,
  RESTATEMENTS,
  SCHEMA_MIGRATIONS,
  SYNC_RUNS,
  SYNC_STATE,
} from './bookkeeping.js';
import { FACT_TABLES } from './facts.js';
import { STAGING_TABLES } from './staging.js';
import type { StagingTable, TableDef, TableRow } from './table.js';

export const BOOKKEEPING_TABLES = [
  SCHEMA_MIGRATIONS,
  SYNC_RUNS,
  SYNC_STATE,
  REJECTS,
  MODEL_STATE,
  BUILD_SCOPE,
  MODEL_BUILD_STATE,
  RESTATEMENTS,
  RESTATEMENT_SCOPE,
  RESTATEMENT_TOTALS,
  EVENT_SEARCH_REQUESTS,
] as const;

/** Every table orb-sync declares: its DDL in sql/ must match (test/schema checks it on both engines). */
export const DECLARED_TABLES: readonly TableDef[] = [...BOOKKEEPING_TABLES, ...STAGING_TABLES, ...FACT_TABLES];

type Tables = (typeof BOOKKEEPING_TABLES)[number] | (typeof STAGING_TABLES)[number] | (typeof FACT_TABLES)[number];
type LatestViews = { [T in (typeof STAGING_TABLES)[number] as `${T['name']}_latest`]: TableRow<T> };

/** Kysely's view of orb-sync's own tables, and of the latest-version view of each staging table. */
export type Database = { [T in Tables as T['name']]: TableRow<T> } & LatestViews;

export function isStagingTable(table: TableDef): table is StagingTable {
  return 'versionKey' in table;
}
