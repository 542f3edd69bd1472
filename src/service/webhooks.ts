/**
 * Orb's webhooks, received. A request counts only if Orb signed it: HMAC-SHA256 of
 * `v1:{X-Orb-Timestamp}:{raw body}` with the endpoint's secret, hex, sent as `X-Orb-Signature:
 * v1=<hex>`, with a timestamp within 5 minutes of this machine's clock. Orb delivers at least once
 * and a captured request can be sent again, so an event id already acted on is acknowledged and
 * ignored: no request triggers work twice.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;
/** Event ids remembered against replays; older ones carry timestamps long rejected as stale. */
const REMEMBERED_EVENT_IDS = 10_000;

export type WebhookOutcome = 'accepted' | 'ignored' | 'duplicate' | 'not_configured' | 'unsigned' | 'bad_signature' | 'stale' | 'malformed';

/** Orb retries any answer but a 2xx, so only requests that can never succeed get a 4xx. */
const STATUS: Record<WebhookOutcome, number> = {
  accepted: 202,
  ignored: 200,
  duplicate: 200,
  not_configured: 503,
  unsigned: 401,
  bad_signature: 401,
  stale: 400,
  malformed: 400,
};

/** The envelope every Orb webhook has; the resource (`backfill`, `subscription`, …) and `properties` vary by type. */
export interface OrbWebhookEvent {
  id: string;
  type: string;
  created_at: string;
}

export interface WebhookVerdict {
  outcome: WebhookOutcome;
  status: number;
  /** Why, in a few words, for the reply and the log. */
  reason: string;
  event?: OrbWebhookEvent;
}

/** Events after which Orb's history or a subscription changed: worth a sync now rather than at the next tick. */
export function triggersSync(type: string): boolean {
  return type === 'backfill.reflected' || type === 'backfill.reverted' || type.startsWith('subscription.');
}

function verdict(outcome: WebhookOutcome, reason: string, event?: OrbWebhookEvent): WebhookVerdict {
  return { outcome, status: STATUS[outcome], reason, ...(event && { event }) };
}

/** A header sent exactly once; a repeated one is as good as none. */
function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** X-Orb-Timestamp in ms; Orb's SDK reads one without a zone as UTC, and so does this. */
function parseTimestamp(value: string): number | undefined {
  if (!ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether one of the header's space-separated `v1=<hex>` signatures is the body's, compared in constant time. */
function signatureMatches(header: string, timestamp: string, rawBody: Buffer, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(`v1:${timestamp}:`).update(rawBody).digest();
  return header.split(/\s+/).some((candidate) => {
    const [version, hex] = candidate.split('=', 2);
    if (version !== 'v1' || hex === undefined || !/^[0-9a-f]+$/i.test(hex)) return false;
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function parseEvent(rawBody: Buffer): OrbWebhookEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
  const { id, type, created_at } = (body ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || typeof type !== 'string' || typeof created_at !== 'string') return undefined;
  return { id, type, created_at };
}

export class WebhookReceiver {
  /** Ids of the events that triggered work, oldest first. */
  private readonly actedOn = new Set<string>();

  /** Without a secret nothing is accepted: an unsigned webhook could make anyone trigger syncs. */
  constructor(
    private readonly secret: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  receive(headers: IncomingHttpHeaders, rawBody: Buffer): WebhookVerdict {
    if (this.secret === undefined) return verdict('not_configured', 'ORB_WEBHOOK_SECRET is not set');
    const timestamp = singleHeader(headers, 'x-orb-timestamp');
    const signature = singleHeader(headers, 'x-orb-signature');
    if (timestamp === undefined || signature === undefined) return verdict('unsigned', 'X-Orb-Timestamp or X-Orb-Signature is missing');
    if (!signatureMatches(signature, timestamp, rawBody, this.secret)) return verdict('bad_signature', 'the signature does not match');
    const sentAt = parseTimestamp(timestamp);
    if (sentAt === undefined) return verdict('malformed', 'X-Orb-Timestamp is not an ISO 8601 instant');
    if (Math.abs(this.now() - sentAt) > WEBHOOK_TOLERANCE_MS) return verdict('stale', 'X-Orb-Timestamp is more than 5 minutes from now');
    const event = parseEvent(rawBody);
    if (!event) return verdict('malformed', 'the body is not an Orb event (JSON with id, type and created_at)');
    if (!triggersSync(event.type)) return verdict('ignored', `${event.type} does not change what orb-sync reads`, event);
    if (this.actedOn.has(event.id)) return verdict('duplicate', 'this event was already received', event);
    this.actedOn.add(event.id);
    if (this.actedOn.size > REMEMBERED_EVENT_IDS) this.actedOn.delete(this.actedOn.values().next().value!);
    return verdict('accepted', 'a sync is on its way', event);
  }
}
