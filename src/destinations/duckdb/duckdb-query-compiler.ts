import { PostgresQueryCompiler } from 'kysely';

/** DuckDB accepts PostgreSQL's syntax for what Kysely emits: "$1" parameters, double-quoted names. */
export class DuckDBQueryCompiler extends PostgresQueryCompiler {}
