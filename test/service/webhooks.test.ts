import { createHmac } from 'node:crypto';
import Orb from 'orb-billing';
import { describe, expect, it, vi } from 'vitest';
import { WebhookReceiver } from '../../src/service/webhooks.js';

const SECRET = 'whsec_test';
const MINUTE = 60_000;

/** Signed as Orb documents it, written out here so the receiver is checked against an independent signer. */
function signed(body: string, { sentAt = new Date(), secret = SECRET, timestamp }: { sentAt?: Date; secret?: string; timestamp?: string } = {}) {
  timestamp ??= sentAt.toISOString();
  const signature = `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
  return { headers: { 'x-orb-timestamp': timestamp, 'x-orb-signature': signature }, body: Buffer.from(body) };
}

function event(type: string, id = `whe_${type}`) {
  return JSON.stringify({ id, created_at: '2026-03-01T00:00:00Z', type, backfill: { id: 'bf_1', status: 'reflected' }, properties: {} });
}

/** Orb's own SDK verifies it too: what the receiver accepts, Orb's SDK accepts. */
function sdkAccepts({ headers, body }: ReturnType<typeof signed>): boolean {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined); // the SDK warns of future timestamps
  try {
    new Orb({ apiKey: 'unused', webhookSecret: SECRET }).webhooks.unwrap(body.toString(), headers);
    return true;
  } catch {
    return false;
  } finally {
    warn.mockRestore();
  }
}

describe('POST /webhooks/orb verification', () => {
  it('accepts a signed backfill.reflected once; the same event again is acknowledged and ignored', () => {
    const receiver = new WebhookReceiver(SECRET);
    const request = signed(event('backfill.reflected'));
    expect(sdkAccepts(request)).toBe(true);
    expect(receiver.receive(request.headers, request.body)).toMatchObject({ outcome: 'accepted', status: 202, event: { id: 'whe_backfill.reflected' } });
    expect(receiver.receive(request.headers, request.body)).toMatchObject({ outcome: 'duplicate', status: 200 });
    // Orb's redelivery of the same event: a new timestamp and signature, the same id.
    const redelivery = signed(event('backfill.reflected'), { sentAt: new Date(Date.now() + 1000) });
    expect(receiver.receive(redelivery.headers, redelivery.body).outcome).toBe('duplicate');
  });

  it('accepts backfill.reverted and every subscription.* event; acknowledges and ignores the others', () => {
    const receiver = new WebhookReceiver(SECRET);
    for (const type of ['backfill.reverted', 'subscription.ended', 'subscription.plan_changed', 'subscription.created']) {
      const request = signed(event(type));
      expect(receiver.receive(request.headers, request.body).outcome, type).toBe('accepted');
    }
    for (const type of ['invoice.issued', 'customer.created', 'backfill.created']) {
      const request = signed(event(type));
      expect(receiver.receive(request.headers, request.body), type).toMatchObject({ outcome: 'ignored', status: 200 });
    }
  });

  it('rejects what Orb did not sign: no headers, another secret, a changed body, a signature that is not hex', () => {
    const receiver = new WebhookReceiver(SECRET);
    const body = event('backfill.reflected');
    const good = signed(body);
    const cases = {
      'no signature': { headers: { 'x-orb-timestamp': good.headers['x-orb-timestamp'] }, body: good.body },
      'no timestamp': { headers: { 'x-orb-signature': good.headers['x-orb-signature'] }, body: good.body },
      'another secret': signed(body, { secret: 'whsec_other' }),
      'a changed body': { headers: good.headers, body: Buffer.from(body.replace('reflected', 'reverted')) },
      'another timestamp': { headers: { ...good.headers, 'x-orb-timestamp': new Date(Date.now() - 1000).toISOString() }, body: good.body },
      'not hex': { headers: { ...good.headers, 'x-orb-signature': 'v1=zz' }, body: good.body },
      'no version': { headers: { ...good.headers, 'x-orb-signature': good.headers['x-orb-signature'].slice(3) }, body: good.body },
    };
    for (const [name, request] of Object.entries(cases)) {
      expect(receiver.receive(request.headers, request.body).status, name).toBe(401);
      if ('x-orb-signature' in request.headers && 'x-orb-timestamp' in request.headers) expect(sdkAccepts(request as typeof good), name).toBe(false);
    }
    // One of several signatures may match (as during a secret rotation); the good one still counts.
    const rotated = { headers: { ...good.headers, 'x-orb-signature': `v1=${'0'.repeat(64)} ${good.headers['x-orb-signature']}` }, body: good.body };
    expect(receiver.receive(rotated.headers, rotated.body).outcome).toBe('accepted');
  });

  it('rejects a timestamp more than 5 minutes old or ahead with 400, and takes one without a zone as UTC', () => {
    const receiver = new WebhookReceiver(SECRET);
    const old = signed(event('subscription.ended', 'a'), { sentAt: new Date(Date.now() - 6 * MINUTE) });
    const ahead = signed(event('subscription.ended', 'b'), { sentAt: new Date(Date.now() + 6 * MINUTE) });
    expect(receiver.receive(old.headers, old.body)).toMatchObject({ outcome: 'stale', status: 400 });
    expect(receiver.receive(ahead.headers, ahead.body)).toMatchObject({ outcome: 'stale', status: 400 });
    expect([sdkAccepts(old), sdkAccepts(ahead)]).toEqual([false, false]);
    const recent = signed(event('subscription.ended', 'c'), { sentAt: new Date(Date.now() - 4 * MINUTE) });
    expect(receiver.receive(recent.headers, recent.body).outcome).toBe('accepted');
    const zoneless = signed(event('subscription.ended', 'd'), { timestamp: new Date().toISOString().replace('Z', '') });
    expect(sdkAccepts(zoneless)).toBe(true);
    expect(receiver.receive(zoneless.headers, zoneless.body).outcome).toBe('accepted');
  });

  it('rejects a signed request that is not an Orb event with 400', () => {
    const receiver = new WebhookReceiver(SECRET);
    for (const body of ['not json', 'null', '[]', JSON.stringify({ type: 'backfill.reflected', created_at: 'x' }), JSON.stringify({ id: 'x', type: 7, created_at: 'x' })]) {
      const request = signed(body);
      expect(receiver.receive(request.headers, request.body), body).toMatchObject({ outcome: 'malformed', status: 400 });
    }
    const epoch = signed(event('backfill.reflected'), { timestamp: String(Math.floor(Date.now() / 1000)) });
    expect(receiver.receive(epoch.headers, epoch.body)).toMatchObject({ outcome: 'malformed', status: 400 });
  });

  it('accepts nothing without a secret', () => {
    const request = signed(event('backfill.reflected'));
    expect(new WebhookReceiver(undefined).receive(request.headers, request.body)).toMatchObject({ outcome: 'not_configured', status: 503 });
    expect(new WebhookReceiver(undefined).receive({}, Buffer.from('{}')).status).toBe(503);
  });
});
