import type Orb from 'orb-billing';
import type { Config } from '../config.js';
import type { Destination, Row, TableShape } from '../destinations/destination.js';
import type { Logger } from '../log.js';
import type { EndpointClass, OrbApi, Page } from '../orb/orb-api.js';

export interface StreamContext {
  readonly api: OrbApi;
  readonly destination: Destination;
  readonly runId: string;
  readonly settings: Pick<Config, 'lookbackDays' | 'startDate' | 'concurrency'>;
  readonly log: Logger;
  /** When the run started; windows end relative to it. */
  readonly startedAt: Date;
  /** Every record rejected in this run; the run fails at its end if any. */
  readonly rejects: Array<{ stream: string; partition: string; reason: string }>;
}

/** A unit of change: rows for one or more staging tables, replaced as a whole when its hash changes. */
export interface VersionedGroup {
  readonly key: string;
  readonly hash: string;
  readonly rows: ReadonlyMap<TableShape, Row[]>;
}

/**
 * A paged Orb list, read incrementally by a cursor field, plus re-reads of records that can still
 * change. Records are validated, shaped into rows, and appended when their content changed.
 */
export interface ListStream<Record> {
  readonly name: string;
  readonly endpoint: EndpointClass;
  /** Staging table that holds the versions; `keyColumn` identifies a record. */
  readonly table: TableShape;
  readonly keyColumn: string;
  /** Field of a record that the incremental cursor tracks, and the list filter that resumes from it. */
  readonly cursorField: (record: Record) => string;
  readonly list: (orb: Orb, cursor: string | undefined) => Promise<Page<Record>>;
  /** Further lists read every run (records that still change: there is no updated_at filter). */
  readonly rereads: ReadonlyArray<(orb: Orb) => Promise<Page<Record>>>;
  /** Known keys that must be re-read but no list returned; fetched one by one. */
  readonly staleKeys: (ctx: StreamContext, seen: ReadonlySet<string>) => Promise<string[]>;
  readonly fetchOne: (orb: Orb, key: string) => Promise<Record>;
  /** Validates and shapes a record; throws with a reason for a record that must be rejected. */
  readonly toGroup: (record: Record, ctx: StreamContext) => VersionedGroup;
}

/**
 * One Orb call per partition (e.g. per subscription) over a time window that starts at the
 * partition's cursor minus a look-back. The partition's cursor advances with its rows.
 */
export interface PartitionedStream<Partition, Response> {
  readonly name: string;
  readonly endpoint: EndpointClass;
  readonly partitions: (ctx: StreamContext) => Promise<Partition[]>;
  readonly partitionKey: (partition: Partition) => string;
  /** The window to fetch, or null when the partition is complete. */
  readonly window: (partition: Partition, cursor: string | undefined, ctx: StreamContext) => Window | null;
  readonly fetch: (orb: Orb, partition: Partition, window: Window) => Promise<Response>;
  /** Validates and shapes a response; throws with a reason for a response that must be rejected. */
  readonly toGroups: (response: Response, partition: Partition, ctx: StreamContext) => VersionedGroup[];
  /** The hash of each key's latest stored version, for the keys inside `window`. */
  readonly storedHashes: (ctx: StreamContext, partition: Partition, window: Window) => Promise<Map<string, string>>;
  /** The new cursor after a response, or undefined to keep the old one. */
  readonly nextCursor: (response: Response, partition: Partition) => string | undefined;
}

export interface Window {
  readonly from: Date;
  readonly to: Date;
}

export interface StreamResult {
  readonly stream: string;
  readonly rowsLoaded: number;
  readonly rejected: number;
}
