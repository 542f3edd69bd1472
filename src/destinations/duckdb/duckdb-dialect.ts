import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, Kysely, QueryCompiler } from 'kysely';
import { DuckDBAdapter } from './duckdb-adapter.js';
import type { DuckDBConnectionProvider } from './duckdb-connection-provider.js';
import { DuckDBDriver } from './duckdb-driver.js';
import { DuckDBIntrospector } from './duckdb-introspector.js';
import { DuckDBQueryCompiler } from './duckdb-query-compiler.js';

export class DuckDBDialect implements Dialect {
  constructor(private readonly provider: DuckDBConnectionProvider) {}

  createDriver(): Driver {
    return new DuckDBDriver(this.provider);
  }

  createQueryCompiler(): QueryCompiler {
    return new DuckDBQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DuckDBAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}
