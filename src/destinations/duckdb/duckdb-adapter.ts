import { DialectAdapterBase } from 'kysely';

/** DuckDB runs DDL inside transactions and supports RETURNING, like PostgreSQL. */
export class DuckDBAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override get supportsReturning(): boolean {
    return true;
  }

  // orb-sync serialises runs with its own sync lock (a DuckDB file admits one writing process).
  async acquireMigrationLock(): Promise<void> {}

  async releaseMigrationLock(): Promise<void> {}
}
