import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { UserError, errorMessage } from '../../errors.js';
import { normalizeDuckDBValue } from '../normalize.js';
import type { DuckDBConnectionProvider } from './duckdb-connection-provider.js';

/** Kysely driver over @duckdb/node-api, shaped like Kysely's own SQLite driver. */
export class DuckDBDriver implements Driver {
  constructor(private readonly provider: DuckDBConnectionProvider) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new DuckDBKyselyConnection(await this.provider.acquire());
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      throw new Error('DuckDB transactions are always serializable; isolation settings are not supported');
    }
    await connection.executeQuery(CompiledQuery.raw('begin transaction'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.provider.release((connection as DuckDBKyselyConnection).raw);
  }

  async destroy(): Promise<void> {
    await this.provider.close();
  }
}

class DuckDBKyselyConnection implements DatabaseConnection {
  constructor(readonly raw: DuckDBConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = query.parameters.map(toDuckDBParameter);
    let reader;
    try {
      reader = await this.raw.runAndReadAll(query.sql, parameters.length > 0 ? parameters : undefined);
    } catch (error) {
      throw explainDuckDBError(error);
    }
    const rows = reader.getRowObjects().map(normalizeRow) as R[];
    return { rows, numAffectedRows: BigInt(reader.rowsChanged) };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.raw.stream(query.sql, query.parameters.map(toDuckDBParameter));
    for await (const chunk of result.yieldRowObjects()) {
      yield { rows: chunk.map(normalizeRow) as R[] };
    }
  }
}

/** DuckDB's out-of-memory error suggests its own SET; orb-sync's setting is what the user can change. */
export function explainDuckDBError(error: unknown): unknown {
  const message = errorMessage(error);
  if (!message.startsWith('Out of Memory Error')) return error;
  const why = message.split('\n')[0]!.replace(/^Out of Memory Error: /, '');
  return new UserError(`DuckDB ran out of memory (${why}): raise ORB_SYNC_DUCKDB_MEMORY_LIMIT (--duckdb-memory-limit)`, { cause: error });
}

function normalizeRow(row: Record<string, DuckDBValue>): Record<string, unknown> {
  const normalized: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) normalized[column] = normalizeDuckDBValue(value);
  return normalized;
}

/** DuckDB binds no JS Date; ISO text casts implicitly wherever a timestamp or date is expected. */
function toDuckDBParameter(value: unknown): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return value as DuckDBValue;
}
