import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../src/service/metrics.js';
import type { FinishedRun } from '../../src/service/scheduler.js';
import type { RunSummary } from '../../src/sync/run-summary.js';
import { byLabel, parseMetrics, sampleValue } from './prometheus.js';

const summary = (figures: Partial<RunSummary>) => ({ apiCalls: {}, stagingRows: {}, retries: 0, rateLimited: 0, ...figures }) as RunSummary;

function run(status: FinishedRun['status'], startedAt: string, seconds: number, figures?: Partial<RunSummary>): FinishedRun {
  const start = new Date(startedAt);
  return { trigger: 'schedule', status, startedAt: start, finishedAt: new Date(start.getTime() + seconds * 1000), ...(figures && { summary: summary(figures) }) };
}

describe('the service metrics', () => {
  it('start with zero runs and no last success', () => {
    const { types, samples } = parseMetrics(new ServiceMetrics().render(false));
    expect(byLabel(samples, 'orb_sync_runs_total', 'status')).toEqual({ cancelled: 0, failed: 0, succeeded: 0 });
    expect(types.orb_sync_runs_total).toBe('counter');
    expect(sampleValue(samples, 'orb_sync_last_success_timestamp_seconds')).toBeUndefined();
    expect(sampleValue(samples, 'orb_sync_running')).toBe(0);
  });

  it('add up the runs: statuses, failures in a row, rows, API calls per endpoint, retries, 429s, last success and duration', () => {
    const metrics = new ServiceMetrics();
    metrics.recordRun(run('succeeded', '2026-03-01T10:00:00Z', 12, { apiCalls: { 'GET /plans': 1, 'GET /subscriptions/{id}/costs': 30 }, stagingRows: { raw_plans: 3 }, retries: 2, rateLimited: 1 }));
    metrics.recordRun(run('failed', '2026-03-01T11:00:00Z', 2));
    metrics.recordRun(run('failed', '2026-03-01T12:00:00Z', 3));
    let { samples } = parseMetrics(metrics.render(true));
    expect(sampleValue(samples, 'orb_sync_consecutive_failures')).toBe(2);
    metrics.recordRun(run('succeeded', '2026-03-01T13:00:00Z', 1.5, { apiCalls: { 'GET /subscriptions/{id}/costs': 30 }, stagingRows: { raw_plans: 1, raw_subscriptions: 4 }, retries: 1, rateLimited: 0 }));
    metrics.recordSkippedTick();
    metrics.recordWebhook('accepted');
    metrics.recordWebhook('bad_signature');
    metrics.recordWebhook('bad_signature');
    ({ samples } = parseMetrics(metrics.render(true)));
    expect(byLabel(samples, 'orb_sync_runs_total', 'status')).toEqual({ cancelled: 0, failed: 2, succeeded: 2 });
    expect(sampleValue(samples, 'orb_sync_consecutive_failures')).toBe(0);
    expect(byLabel(samples, 'orb_sync_rows_loaded_total', 'table')).toEqual({ raw_plans: 4, raw_subscriptions: 4 });
    expect(byLabel(samples, 'orb_sync_api_calls_total', 'endpoint')).toEqual({ 'GET /plans': 1, 'GET /subscriptions/{id}/costs': 60 });
    expect(sampleValue(samples, 'orb_sync_api_retries_total')).toBe(3);
    expect(sampleValue(samples, 'orb_sync_rate_limited_total')).toBe(1);
    expect(sampleValue(samples, 'orb_sync_last_success_timestamp_seconds')).toBe(Date.parse('2026-03-01T13:00:01.500Z') / 1000);
    expect(sampleValue(samples, 'orb_sync_last_run_duration_seconds')).toBe(1.5);
    expect(sampleValue(samples, 'orb_sync_skipped_ticks_total')).toBe(1);
    expect(sampleValue(samples, 'orb_sync_running')).toBe(1);
    expect(byLabel(samples, 'orb_sync_webhooks_total', 'outcome')).toEqual({ accepted: 1, bad_signature: 2 });
  });

  it('escape label values as the format requires', () => {
    const metrics = new ServiceMetrics();
    metrics.recordRun(run('succeeded', '2026-03-01T10:00:00Z', 1, { apiCalls: { 'GET /odd"path\\with\nbreak': 1 } }));
    const text = metrics.render(false);
    expect(text).toContain('orb_sync_api_calls_total{endpoint="GET /odd\\"path\\\\with\\nbreak"} 1\n');
    expect(byLabel(parseMetrics(text).samples, 'orb_sync_api_calls_total', 'endpoint')).toEqual({ 'GET /odd"path\\with\nbreak': 1 });
  });
});
