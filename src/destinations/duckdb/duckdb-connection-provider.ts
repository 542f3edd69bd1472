import type { DuckDBConnection } from '@duckdb/node-api';

/** Where the DuckDB driver gets its connections: a pool, or one connection held by a transaction. */
export interface DuckDBConnectionProvider {
  acquire(): Promise<DuckDBConnection>;
  release(connection: DuckDBConnection): Promise<void>;
  /** Called when the Kysely instance is destroyed. */
  close(): Promise<void>;
}
