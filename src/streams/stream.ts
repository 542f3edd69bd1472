import type Orb from 'orb-billing';
import type { Config } from '../config.js';
import type { Destination } from '../destinations/destination.js';
import type { Logger } from '../log.js';
import type { EndpointClass, EnvelopeCheck, OrbApi, Page } from '../orb/orb-api.js';
import type { StagingRow, StagingTable } from '../schema/table.js';

/**
 * Streams are declarations: what to call, how to page or partition it, and the staging rows a
 * record becomes. The sync layer (src/sync) runs them; nothing here imports it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each stream has its own record type
export type Stream = ListStream<any> | PartitionedStream<any, any>;

export interface StreamContext {
  readonly api: OrbApi;
  readonly destination: Destination;
  readonly runId: string;
  readonly settings: Pick<Config, 'lookbackDays' | 'startDate' | 'concurrency' | 'customerRereadHours'>;
  readonly log: Logger;
  /** When the run started; windows end relative to it. */
  readonly startedAt: Date;
  /** Every record rejected in this run; the run fails at its end if any. */
  readonly rejects: Array<{ stream: string; partition: string; reason: string }>;
}

/**
 * One version of a record for a staging table: the row (the loader adds run_id, load_id,
 * extracted_at and content_hash), and rows of tables versioned with it. The loader appends it only
 * when its content differs from the latest stored version of the same key.
 */
export interface StagedVersion {
  readonly table: StagingTable;
  readonly row: StagingRow;
  readonly children: ReadonlyArray<{ readonly table: StagingTable; readonly rows: readonly StagingRow[] }>;
}

/** A version whose row is checked against its table's declaration at compile time. */
export function version<T extends StagingTable>(table: T, row: StagingRow<T>, ...children: StagedVersion['children']): StagedVersion {
  return { table, row, children };
}

/** Rows of a table versioned with a parent (see StagingTable.versionedWith), checked likewise. */
export function childRows<T extends StagingTable>(table: T, rows: ReadonlyArray<StagingRow<T>>): StagedVersion['children'][number] {
  return { table, rows };
}

/**
 * A paged Orb list: read whole every sync, or incrementally by a cursor field plus re-reads of
 * records that can still change. Each record is validated and shaped into versions.
 */
export interface ListStream<Record> {
  readonly kind: 'list';
  readonly name: string;
  readonly endpoint: EndpointClass;
  /** Identifies a record across the lists (a record read twice in one run is taken once). */
  readonly recordKey: (record: Record) => string;
  /** Field of a record that the incremental cursor tracks; without it the list is read whole. */
  readonly cursorField?: (record: Record) => string;
  readonly list: (orb: Orb, cursor: string | undefined) => Promise<Page<Record>>;
  /** Further lists read every run (records that still change: there is no updated_at filter)… */
  readonly rereads: ReadonlyArray<(orb: Orb) => Promise<Page<Record>>>;
  /** …or at most once per this many hours, when set. */
  readonly rereadEveryHours?: (ctx: StreamContext) => number;
  /** Known keys that must be re-read but no list returned, fetched one by one. */
  readonly stale?: {
    readonly keys: (ctx: StreamContext, seen: ReadonlySet<string>) => Promise<string[]>;
    readonly fetch: (orb: Orb, key: string) => Promise<Record>;
  };
  /** Validates and shapes a record; throws with a reason for a record that must be rejected. */
  readonly toVersions: (record: Record) => StagedVersion[];
}

/**
 * One Orb call per partition (e.g. per subscription) over a time window that the partition's
 * cursor decides. A response holds units (e.g. one cost window per day), each validated on its
 * own: a bad unit is rejected alone, the rest load, and the cursor stops before the first bad one.
 */
export interface PartitionedStream<Partition, Unit> {
  readonly kind: 'partitioned';
  readonly name: string;
  readonly endpoint: EndpointClass;
  readonly partitions: (ctx: StreamContext) => Promise<Partition[]>;
  readonly partitionKey: (partition: Partition) => string;
  /** The window to fetch, or null when the partition needs no call this run. */
  readonly window: (partition: Partition, cursor: string | undefined, ctx: StreamContext) => Window | null;
  /** One call (checked against `envelope`, else retried as a transport error), or every page of a list. */
  readonly read:
    | { readonly kind: 'call'; readonly fetch: (orb: Orb, partition: Partition, window: Window) => Promise<unknown>; readonly envelope: EnvelopeCheck }
    | { readonly kind: 'pages'; readonly list: (orb: Orb, partition: Partition, window: Window) => Promise<Page<unknown>> };
  /** The units of what was read (a response, or every page's items together). */
  readonly units: (read: any) => readonly unknown[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- the read's shape is the stream's
  /** Validates one unit; throws with a reason for a unit that must be rejected. */
  readonly parse: (unit: unknown, partition: Partition, ctx: StreamContext) => Unit;
  /** Names a unit in a reject's reason (e.g. its day), as far as it can be read. */
  readonly describe: (unit: unknown) => string;
  readonly toVersions: (unit: Unit, partition: Partition) => StagedVersion[];
  /**
   * The new cursor, from the units accepted before the first rejected one (in response order),
   * or undefined to keep the old one.
   */
  readonly nextCursor: (accepted: readonly Unit[], partition: Partition, window: Window, cursor: string | undefined, ctx: StreamContext) => string | undefined;
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
