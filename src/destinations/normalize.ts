import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import pg from 'pg';
import { canonicalDecimal } from '../util/decimal.js';

/**
 * The one place where both engines' results become the same JavaScript values:
 * decimals → canonical decimal strings ("12.5"), bigints → strings, dates → "YYYY-MM-DD",
 * timestamps with time zone → ISO strings in UTC, JSON → its text.
 */
export type SqlValue = string | number | boolean | null;

export function normalizeDuckDBValue(value: DuckDBValue): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof DuckDBDecimalValue) return canonicalDecimal(value.toString());
  if (value instanceof DuckDBTimestampTZValue) return new Date(Number(value.micros / 1000n)).toISOString();
  if (value instanceof DuckDBTimestampValue) return new Date(Number(value.micros / 1000n)).toISOString();
  if (value instanceof DuckDBDateValue) return value.toString();
  return String(value);
}

const { builtins } = pg.types;
const parseTimestamp = pg.types.getTypeParser(builtins.TIMESTAMPTZ);
const POSTGRES_PARSERS: Partial<Record<number, (text: string) => SqlValue>> = {
  [builtins.NUMERIC]: canonicalDecimal,
  [builtins.INT8]: (text) => text,
  [builtins.DATE]: (text) => text,
  [builtins.TIMESTAMPTZ]: (text) => (parseTimestamp(text) as Date).toISOString(),
  [builtins.TIMESTAMP]: (text) => new Date(`${text.replace(' ', 'T')}Z`).toISOString(),
  [builtins.JSON]: (text) => text,
  [builtins.JSONB]: (text) => text,
};

/** Passed as `types` to pg, per pool, so other users of pg in the process are unaffected. */
export const postgresTypeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return POSTGRES_PARSERS[oid] ?? pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;
