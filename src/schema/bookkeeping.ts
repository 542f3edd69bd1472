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
