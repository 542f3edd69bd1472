import Orb from 'orb-billing';

/** Changes a user makes in Orb between syncs, through the real SDK against the simulator. */

export interface UsageBackfill {
  /** The backfill's customer; without one it covers every customer. */
  customerId?: string;
  from: Date;
  to: Date;
  /** Events to add in the window (of the backfill's customer unless given); with `replace`, they replace the events there. */
  events: Array<{ eventName: string; timestamp: Date; properties: Record<string, number | string>; customerId?: string }>;
  replace?: boolean;
}

/** Creates a backfill, ingests its events and closes it; the simulator reflects it on a later request. */
export async function backfill(baseUrl: string, change: UsageBackfill): Promise<string> {
  const orb = new Orb({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 });
  const created = await orb.events.backfills.create({
    timeframe_start: change.from.toISOString(),
    timeframe_end: change.to.toISOString(),
    ...(change.customerId ? { customer_id: change.customerId } : {}),
    replace_existing_events: change.replace ?? false,
  });
  await orb.events.ingest({
    backfill_id: created.id,
    events: change.events.map((event, index) => ({
      customer_id: event.customerId ?? change.customerId,
      event_name: event.eventName,
      timestamp: event.timestamp.toISOString(),
      properties: event.properties,
      idempotency_key: `${created.id}-${index}`,
    })),
  });
  await orb.events.backfills.close(created.id);
  return created.id;
}
