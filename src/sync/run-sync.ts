import { sql } from 'kysely';
import { describeDestination, type Config } from '../config.js';
import type { Destination } from '../destinations/destination.js';
import { migrate } from '../destinations/migrate.js';
import { openDestination } from '../destinations/open-destination.js';
import { RejectedRecordsError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { buildModels, ensureViews } from '../models/build-models.js';
import { OrbApi, type OrbApiOptions } from '../orb/orb-api.js';
import { STREAMS } from '../streams/index.js';
import type { StreamContext, StreamResult } from '../streams/stream.js';
import { runStream } from './run-stream.js';

export interface SyncSummary {
  runId: string;
  streams: StreamResult[];
  models: Record<string, number>;
}

export type SyncOptions = Config & Pick<OrbApiOptions, 'minRetryDelayMs'>;

/**
 * One sync: check the API key, lock the destination, migrate, run every stream, rebuild the
 * models. The run is recorded in sync_runs whatever happens after the lock is taken.
 */
export async function runSync(options: SyncOptions, log: Logger): Promise<SyncSummary> {
  const api = new OrbApi({ ...options, requestTimeoutMs: options.requestTimeout * 1000, log });
  // A wrong key or an unreachable Orb fails here, before anything is written.
  await api.checkKey();

  const destination = await openDestination(options.destination, options.schema);
  try {
    await destination.lockForSync();
    await migrate(destination);
    await ensureViews(destination);
    log.info({ destination: describeDestination(options.destination), schema: options.schema }, 'sync started');
    return await recordRun(destination, 'sync', async (runId) => {
      const ctx: StreamContext = { api, destination, runId, settings: options, log, startedAt: new Date(), rejects: [] };
      const streams: StreamResult[] = [];
      for (const stream of STREAMS) streams.push(await runStream(ctx, stream));
      const models = await buildModels(destination);
      log.info({ models }, 'models built');
      if (ctx.rejects.length > 0) throw new RejectedRecordsError(ctx.rejects);
      return { runId, streams, models };
    });
  } finally {
    await destination.close();
  }
}

async function recordRun<T extends { streams: StreamResult[] }>(
  destination: Destination,
  command: string,
  work: (runId: string) => Promise<T>,
): Promise<T> {
  const { run_id: runId } = await destination.db
    .insertInto('sync_runs')
    .values({ run_id: sql`nextval('sync_run_ids')`, command, started_at: new Date(), status: 'running' })
    .returning('run_id')
    .executeTakeFirstOrThrow();
  const finish = (status: string, error: string | null, rows: number | null) =>
    destination.db
      .updateTable('sync_runs')
      .set({ finished_at: new Date(), status, error, rows_loaded: rows })
      .where('run_id', '=', runId)
      .execute();
  try {
    const result = await work(runId);
    await finish('succeeded', null, result.streams.reduce((sum, s) => sum + s.rowsLoaded, 0));
    return result;
  } catch (error) {
    await finish('failed', errorMessage(error), null).catch(() => undefined);
    throw error;
  }
}
