import type { ColumnType } from 'kysely';

/**
 * One declaration per table orb-sync writes itself: its name and its columns in DDL order. The
 * declaration is the source of the table's TypeScript row type (Kysely's `Database`) and of the
 * column list both bulk loaders write by name; a test compares every declaration with the
 * migrated table on both engines, so a declaration and its DDL in sql/ cannot drift apart.
 */
export type ColumnKind = 'text' | 'decimal' | 'timestamptz' | 'date' | 'bigint' | 'integer' | 'boolean' | 'json';

/** A column's kind; a trailing "?" makes it nullable. */
export type ColumnSpec = ColumnKind | `${ColumnKind}?`;

export type Columns = Readonly<Record<string, ColumnSpec>>;

export interface TableDef<Name extends string = string, C extends Columns = Columns> {
  readonly name: Name;
  readonly columns: C;
}

/**
 * A staging table: append-only versions of records. `versionKey` identifies a record; a version
 * carries `load_id` (higher is newer). A table `versionedWith` a parent has no versions of its own:
 * its rows belong to the parent version with the same key and load_id (e.g. a day's price rows).
 */
export interface StagingTable<Name extends string = string, C extends Columns = Columns> extends TableDef<Name, C> {
  readonly versionKey: readonly string[];
  readonly versionedWith?: StagingTable;
}

/**
 * A public fact table: `grain` is the columns that identify a row. No key enforces it (an index
 * would make every build pay for its upkeep); each model build audits it instead.
 */
export interface FactTable<Name extends string = string, C extends Columns = Columns> extends TableDef<Name, C> {
  readonly grain: readonly string[];
}

/** What a column holds when read (normalised, see destinations/normalize.ts) and when written. */
interface KindTypes {
  text: [string, string];
  decimal: [string, string];
  timestamptz: [string, Date | string];
  date: [string, string];
  bigint: [string, string | number | bigint];
  integer: [number, number];
  boolean: [boolean, boolean];
  json: [string, string];
}

type KindOf<S extends ColumnSpec> = S extends `${infer K extends ColumnKind}?` ? K : S & ColumnKind;
type NullOf<S extends ColumnSpec> = S extends `${string}?` ? null : never;
type ReadType<S extends ColumnSpec> = KindTypes[KindOf<S>][0] | NullOf<S>;
type WriteType<S extends ColumnSpec> = KindTypes[KindOf<S>][1] | NullOf<S>;

/** The row type of a table for Kysely: select, insert and update types per column. */
export type TableRow<T extends TableDef> = {
  -readonly [C in keyof T['columns']]: ColumnType<ReadType<T['columns'][C]>, WriteType<T['columns'][C]>, WriteType<T['columns'][C]>>;
};

/** A row as the bulk loaders take it: every column named, nullable ones explicitly null. */
export type LoadRow<T extends TableDef = TableDef> = { readonly [C in keyof T['columns']]: WriteType<T['columns'][C]> };

/** Columns the loader fills on every staging row. */
export type LoaderColumn = 'run_id' | 'load_id' | 'extracted_at' | 'content_hash';

/** A staging row as a stream produces it: everything but the loader's own columns. */
export type StagingRow<T extends TableDef = TableDef> = Omit<LoadRow<T>, LoaderColumn>;

export function defineTable<const Name extends string, const C extends Columns>(name: Name, columns: C): TableDef<Name, C> {
  return { name, columns };
}

export function defineFactTable<const Name extends string, const C extends Columns>(
  name: Name,
  grain: ReadonlyArray<keyof C & string>,
  columns: C,
): FactTable<Name, C> {
  return { name, grain, columns };
}

/** Bookkeeping columns the loader fills: every staging table starts with them (DDL order). */
const VERSION_COLUMNS = { run_id: 'bigint', load_id: 'bigint' } as const;
const ROOT_COLUMNS = { ...VERSION_COLUMNS, extracted_at: 'timestamptz' } as const;

/**
 * A staging table holding versions of records identified by `versionKey`; its columns include
 * `content_hash` (the loader fills it) where the DDL puts it.
 */
export function defineStagingTable<const Name extends string, const C extends Columns & { content_hash: 'text' }>(
  name: Name,
  versionKey: ReadonlyArray<keyof C & string>,
  columns: C,
): StagingTable<Name, typeof ROOT_COLUMNS & C> {
  return { name, versionKey, columns: { ...ROOT_COLUMNS, ...columns } };
}

/** Rows that belong to a version of `parent`: they carry its key and load_id, and no hash. */
export function defineChildTable<const Name extends string, const C extends Columns>(
  name: Name,
  parent: StagingTable,
  columns: C,
): StagingTable<Name, typeof VERSION_COLUMNS & C> {
  return { name, versionKey: parent.versionKey, versionedWith: parent, columns: { ...VERSION_COLUMNS, ...columns } };
}

export function columnKind(spec: ColumnSpec): ColumnKind {
  return spec.replace(/\?$/, '') as ColumnKind;
}

export function isNullable(spec: ColumnSpec): boolean {
  return spec.endsWith('?');
}

/** The view holding each record's latest version (see models/build-models.ts). */
export function latestViewName(table: StagingTable): string {
  return `${table.name}_latest`;
}
