import type { RunSummary } from '../sync/run-summary.js';

/** The end-of-run summary as a person reads it, under the command's first line. */
export function formatSummary(summary: RunSummary): string {
  const calls = Object.values(summary.apiCalls).reduce((a, b) => a + b, 0);
  const figures = (record: Readonly<Record<string, number>>) =>
    Object.entries(record)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || 'none';
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const restatements = summary.restatements.map((r) => {
    const totals = r.totals.map((t) => `${t.currency} ${t.before} -> ${t.after}`).join(', ');
    return `#${r.id} ${r.trigger}${totals ? ` (${totals})` : ''}`;
  });
  return [
    `  Orb: ${calls} requests, ${summary.retries} retried, ${summary.rateLimited} answered 429; analytics rate ${summary.settledRate.analytics}/s`,
    `  staging rows added: ${figures(summary.stagingRows)}`,
    `  fact rows rebuilt: ${figures(summary.factRows)}`,
    `  restatements: ${restatements.join('; ') || 'none'}`,
    `  time: ${seconds(summary.durationMs)} (${Object.entries(summary.durationsMs).map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')})`,
  ].join('\n') + '\n';
}
