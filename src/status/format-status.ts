import { formatCount as count, formatDuration as duration } from '../cli/progress.js';
import type { DestinationStatus, RunStatus, StreamStatus } from './read-status.js';

/** `orb-sync status` as a person reads it: one section per question an operator asks. */
export function formatStatus(status: DestinationStatus): string {
  const now = Date.parse(status.checkedAt);
  const lines = [`orb-sync status of ${status.destination}, schema ${status.schema}, at ${instant(status.checkedAt)}`];
  switch (status.state) {
    case 'untouched':
      lines.push(`No sync has run here yet: nothing to report${status.syncRunning ? ', though a sync is running now (the first)' : ''}.`);
      return done(lines);
    case 'locked':
      lines.push(
        'A sync is running (the DuckDB file is locked).',
        'DuckDB lets no other process open a file while a sync writes it, so its streams, runs, rejects,',
        'staging and facts cannot be read until the sync ends. (If no sync is running, another program',
        'has the file open.)',
      );
      return done(lines);
    case 'outdated':
      lines.push(
        `${status.syncRunning ? 'A sync is running. ' : ''}The destination was migrated by an older orb-sync: ${status.pendingMigrations.join(', ')} not applied yet.`,
        'The next sync applies them; status reads the current layout only.',
      );
      return done(lines);
    case 'ready':
      lines.push(status.syncRunning ? 'A sync is running now (it holds the lock); what it has committed so far shows below.' : 'No sync is running.');
  }
  lines.push('', 'Streams', ...streamsTable(status.streams!, now), ...rejectDetails(status.streams!));
  lines.push('', `Runs (latest ${status.runs!.length})`, ...runsTable(status.runs!, now));
  lines.push('', 'Staging rows', ...indent(table(status.staging!.map(({ table: name, rows }) => [name, count(rows)]), [false, true])));
  lines.push('', 'Backfills and restatements', ...backfillLines(status));
  const facts = status.facts!;
  lines.push('', `Facts (built ${facts.builtAt === null ? 'never' : instant(facts.builtAt)})`);
  lines.push(...indent(table([['table', 'rows', 'newest'], ...facts.tables.map((t) => [t.table, count(t.rows), t.newest === null ? '-' : newest(t.newest)])], [false, true, false])));
  return done(lines);
}

function done(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

function streamsTable(streams: readonly StreamStatus[], now: number): string[] {
  const rows = streams.map((s) => [
    s.stream,
    s.lastSuccess === null ? 'never' : `#${s.lastSuccess.runId} ${instant(s.lastSuccess.finishedAt)} (${ago(now, s.lastSuccess.finishedAt)})`,
    count(s.rejectsPending),
    cursorText(s),
  ]);
  return indent(table([['stream', 'last success', 'rejects', 'cursor'], ...rows], [false, false, true, false]));
}

/** A list stream's cursors by partition ("*": the list's own); a partitioned stream's spread of watermarks. */
function cursorText(stream: StreamStatus): string {
  if (stream.partitions !== null) {
    const { count: partitions, oldest, newest: latest } = stream.partitions;
    if (partitions === 0) return '-';
    const spread = oldest === null || latest === null ? '' : oldest === latest ? `, through ${instant(oldest)}` : `, through ${instant(oldest)} .. ${instant(latest)}`;
    return `${count(partitions)} partition${partitions === 1 ? '' : 's'}${spread}`;
  }
  const entries = Object.entries(stream.cursors ?? {});
  if (entries.length === 0) return '-';
  return entries.map(([partition, cursor]) => `${partition === '*' ? 'cursor' : partition} ${cursorValue(cursor)}`).join(', ');
}

function cursorValue(cursor: string): string {
  if (ISO_INSTANT.test(cursor)) return instant(cursor);
  try {
    const { end } = JSON.parse(cursor) as { end?: unknown };
    if (typeof end === 'string' && ISO_INSTANT.test(end)) return `through ${instant(end)}`;
  } catch {
    // Not JSON: shown as stored.
  }
  return cursor;
}

function rejectDetails(streams: readonly StreamStatus[]): string[] {
  return streams
    .filter((s) => s.latestReject !== null)
    .map((s) => {
      const reject = s.latestReject!;
      return `  ${s.stream}: ${s.rejectsPending} rejected since its last success, the next sync reads them again; newest (run #${reject.runId}, ${reject.partition}): ${reject.reason}`;
    });
}

function runsTable(runs: readonly RunStatus[], now: number): string[] {
  if (runs.length === 0) return ['  none'];
  const rows = runs.map((run) => [
    `#${run.runId}`,
    run.command,
    instant(run.startedAt),
    run.durationMs === null ? (run.status === 'running' ? `${duration(now - Date.parse(run.startedAt))} so far` : '-') : duration(run.durationMs),
    run.rowsLoaded === null ? '-' : count(run.rowsLoaded),
    run.apiCalls === null ? '-' : count(run.apiCalls),
    run.error === null ? run.status : `${run.status}: ${clip(run.error, 100)}`,
  ]);
  return indent(table([['run', 'command', 'started', 'duration', 'rows', 'API calls', 'outcome'], ...rows], [false, false, false, true, true, true, false]));
}

function backfillLines(status: DestinationStatus): string[] {
  const { pendingInOrb, notRestated } = status.backfills!;
  const restatements = status.restatementsPending!;
  const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join('; '));
  return [
    `  pending in Orb (restated once Orb reflects or reverts them): ${list(pendingInOrb.map((b) => `${b.backfillId} ${b.status}`))}`,
    `  reflected or reverted, not restated yet: ${list(
      notRestated.map((b) => `${b.backfillId} ${b.status} ${b.restatementId === null ? '(the next sync requests its restatement)' : `(restatement #${b.restatementId} pending)`}`),
    )}`,
    `  restatements pending (the next sync or restate completes them): ${list(
      restatements.map((r) => {
        const days = r.dayFrom === null ? '' : `, days ${r.dayFrom} to ${r.dayTo ?? '...'} (exclusive)`;
        return `#${r.restatementId} ${r.trigger}${r.backfillId === null ? '' : ` ${r.backfillId}`}, ${count(r.subscriptions)} subscriptions${days}`;
      }),
    )}`,
  ];
}

/** Rows of cells in aligned columns (right-aligned where `right`), the last column left unpadded. */
function table(rows: readonly string[][], right: readonly boolean[]): string[] {
  const widths = right.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 && !right[column] ? cell : right[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  '),
  );
}

/** A long message cut to keep its table readable (--json has it whole). */
function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 3)}...`;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** An instant to the minute, in UTC: "2026-03-15 10:04Z" (--json has them exact). */
function instant(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** A fact's newest day as it is, an hour or a check time as an instant. */
function newest(value: string): string {
  return ISO_INSTANT.test(value) ? instant(value) : value;
}

function ago(now: number, iso: string): string {
  const minutes = Math.round((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
