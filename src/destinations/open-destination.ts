import type { DestinationTarget } from '../config.js';
import type { Destination } from './destination.js';
import { DuckDBDestination } from './duckdb/duckdb-destination.js';
import { PostgresDestination } from './postgres/postgres-destination.js';

export function openDestination(target: DestinationTarget, schema: string): Promise<Destination> {
  return target.engine === 'duckdb'
    ? DuckDBDestination.open(target.path, schema, target.memoryLimit)
    : PostgresDestination.open(target.url, schema);
}
