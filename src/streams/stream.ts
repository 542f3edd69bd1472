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
  readonly settings: Pick<
    Config,
    'lookbackDays' | 'startDate' | 'concurrency' | 'customerRereadHours' | 'usageGroupBy' | 'volumeDays' | 'volumeRereadDays' | 'eventRecheckHours'
  >;
  readonly log: Logger;
  /** When the run started; windows end relative to it. */
  readonly startedAt: Date;
  /** Every record rejected in this run; the run fails at its end if any. */
  readonly rejects: Array<{ stream: string; partition: string; reason: string }>;
  /** Aborted on SIGINT/SIGTERM (Orb calls then stop by themselves). */
  readonly signal?: AbortSignal;
  /** Told as each stream starts, advances and ends (a terminal's progress display). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** What this run has committed and spent so far, whatever happens after. */
  readonly tally: RunTally;
  /**
   * A restatement's re-read: per subscription, the customer-local days [dayFrom, dayTo) to read
   * again whatever the cursors say (dayFrom already at a billing-period start; null: from the
   * start). Streams that restate read only these partitions; the others do not run.
   */
  readonly reread?: ReadonlyMap<string, { dayFrom: string | null; dayTo: string }>;
  /** A backfill restatement's re-read of the account's hourly event volume: its timeframe. */
  readonly rereadHours?: Window;
}

/**
 * A stream's progress: `done` of `total` units (partitions, or pages of a list, whose total is
 * unknown). `perSecond`: the request rate its endpoint is held to, for an ETA that follows it.
 */
export interface ProgressEvent {
  readonly stream: string;
  readonly phase: 'start' | 'progress' | 'done';
  readonly done: number;
  readonly total?: number;
  readonly perSecond?: number;
}

/** What a run accumulates as it goes, whatever happens after (its summary is made from it). */
export interface RunTally {
  /** Rows committed, in all staging tables. */
  rowsLoaded: number;
  readonly stagingRows: Record<string, number>;
  readonly factRows: Record<string, number>;
  /** Milliseconds per stream, and for the model builds ("models"). */
  readonly durationsMs: Record<string, number>;
  readonly restatements: Array<{ id: string; trigger: string; totals: ReadonlyArray<{ currency: string; before: string; after: string }> }>;
}

/**
 * Days a read covered completely: a stored day in [from, to) that the read did not return is
 * gone from Orb, and gets a deleted version (the table has an `is_deleted` column).
 */
export interface Coverage {
  readonly table: StagingTable;
  /** Columns that pin the partition, e.g. { subscription_id }. */
  readonly partition: Readonly<Record<string, string>>;
  readonly from: string;
  readonly to: string;
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
  /**
   * For a newest-first list whose older records stop changing: after a page that changed nothing,
   * whether the older pages can be left unread. Asked only once the list has been read whole
   * before, so every older record is stored.
   */
  readonly olderPagesSettled?: (page: readonly Record[], ctx: StreamContext) => Promise<boolean>;
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
  /** The units of what was read (a response, or every page's items together) for the partition's window. */
  readonly units: (read: any, partition: Partition, window: Window) => readonly unknown[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- the read's shape is the stream's
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
  /** The days the read covered completely, when every unit was accepted (see Coverage). */
  readonly coverage?: (accepted: readonly Unit[], partition: Partition, window: Window, ctx: StreamContext) => Coverage | undefined;
  /** Runs in a restatement's re-read (ctx.reread), limited to its subscriptions. */
  readonly restates?: boolean;
}

export interface Window {
  readonly from: Date;
  readonly to: Date;
}

/** A subscription as the per-subscription streams (costs, usage) read it. */
export interface SubscriptionPartition {
  subscription_id: string;
  customer_timezone: string;
  start_date: string;
  end_date: string | null;
}

/** Every subscription, or only a restatement's re-read. */
export async function subscriptionPartitions(ctx: StreamContext): Promise<SubscriptionPartition[]> {
  const subscriptions = await ctx.destination.db
    .selectFrom('raw_subscriptions_latest')
    .select(['subscription_id', 'customer_timezone', 'start_date', 'end_date'])
    .orderBy('subscription_id')
    .execute();
  return rereadOnly(subscriptions, ctx);
}

/** The partitions of a restatement's re-read (its subscriptions), or all of them. */
export function rereadOnly<P extends { subscription_id: string }>(partitions: P[], ctx: StreamContext): P[] {
  return ctx.reread ? partitions.filter((p) => ctx.reread!.has(p.subscription_id)) : partitions;
}

const HOUR_MS = 3_600_000;

/** The start of Orb's current hour: reads that end there cover only hours Orb has lived through. */
export function orbHour(ctx: StreamContext): Date {
  return new Date(Math.floor(ctx.api.now().getTime() / HOUR_MS) * HOUR_MS);
}

/** The cursor of a read from a watermark: how far it reached, and the earliest instant it ever read. */
export interface Watermark {
  readonly end: string;
  readonly from: string;
}

export function readWatermark(text: string | undefined): Watermark | undefined {
  return text ? (JSON.parse(text) as Watermark) : undefined;
}

/** The watermark after a read of `window` whose last accepted unit ends at `end` (none: keep the old one). */
export function nextWatermark(end: Date | undefined, window: Window, previous: string | undefined): string | undefined {
  if (!end) return undefined;
  const before = readWatermark(previous);
  const from = before && new Date(before.from) < window.from ? before.from : window.from.toISOString();
  return JSON.stringify({ end: end.toISOString(), from } satisfies Watermark);
}

export interface StreamResult {
  readonly stream: string;
  readonly rowsLoaded: number;
  readonly rejected: number;
}
