import { defineTable } from './table.js';

/** Migrations applied to this destination (created by migrate() itself, before any other). */
export const SCHEMA_MIGRATIONS = defineTable('schema_migrations', {
  version: 'text',
  applied_at: 'timestamptz',
});

/** One row per orb-sync command that touched this destination. */
export const SYNC_RUNS = defineTable('sync_runs', {
  run_id: 'bigint',
  command: 'text',
  started_at: 'timestamptz',
  finished_at: 'timestamptz?',
  status: 'text',
  error: 'text?',
  rows_loaded: 'bigint?',
  summary: 'json?', // added by sql/005
});

/** Each stream's cursor per partition, committed in the same transaction as the rows it covers. */
export const SYNC_STATE = defineTable('sync_state', {
  stream: 'text',
  partition_key: 'text',
  cursor_value: 'text',
  run_id: 'bigint',
  updated_at: 'timestamptz',
});

/** Records that failed validation, kept whole with the reason; their partition did not advance. */
export const REJECTS = defineTable('rejects', {
  run_id: 'bigint',
  stream: 'text',
  partition_key: 'text',
  reason: 'text',
  record: 'json',
  rejected_at: 'timestamptz',
});

/** The view models as last created, so a view is replaced only when orb-sync's SQL for it changed. */
export const MODEL_STATE = defineTable('model_state', {
  model: 'text',
  definition_hash: 'text',
  created_at: 'timestamptz',
});

/** The (subscription, [day_from, day_to)) scopes of the model build in progress (see sql/005). */
export const BUILD_SCOPE = defineTable('build_scope', {
  subscription_id: 'text',
  day_from: 'date?',
  day_to: 'date?',
  built_through_day: 'date?',
});

/** Staging up to built_through_load_id is reflected in the facts. */
export const MODEL_BUILD_STATE = defineTable('model_build_state', {
  id: 'integer',
  built_through_load_id: 'bigint',
  built_at: 'timestamptz',
});

export const RESTATEMENTS = defineTable('restatements', {
  restatement_id: 'bigint',
  trigger: 'text',
  backfill_id: 'text?',
  reason: 'text?',
  day_from: 'date?',
  day_to: 'date?',
  status: 'text',
  requested_at: 'timestamptz',
  finished_at: 'timestamptz?',
  run_id: 'bigint?',
});

export const RESTATEMENT_SCOPE = defineTable('restatement_scope', {
  restatement_id: 'bigint',
  subscription_id: 'text',
  day_from: 'date',
  day_to: 'date',
});

export const RESTATEMENT_TOTALS = defineTable('restatement_totals', {
  restatement_id: 'bigint',
  currency: 'text',
  total_before: 'decimal',
  total_after: 'decimal',
});

/**
 * Event ids the user wants looked up in Orb (fct_event_reconciliation): rows they insert
 * themselves, or `sync --event-ids FILE`. requested_at later than an id's last check asks again.
 */
export const EVENT_SEARCH_REQUESTS = defineTable('event_search_requests', {
  event_id: 'text',
  timestamp: 'timestamptz?',
  requested_at: 'timestamptz',
});
