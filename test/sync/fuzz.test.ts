import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { createSimulator, type BodyMutation } from '../../src/simulator/index.js';
import { ENGINES } from '../helpers/engines.js';
import { factsIn, simulatorTruth, syncFrom, withDestination } from '../helpers/sync-fixture.js';

/**
 * Seeded mutations of valid Orb responses (costs, subscriptions and the other lists), many per
 * sync. Whatever Orb sends, orb-sync never exits 0 with facts that differ from the truth for the
 * subscriptions whose responses were not mutated, never throws anything but a one-line UserError,
 * and every reject names its stream, partition and reason.
 */
const MUTATIONS_PER_ENGINE = 1000;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every (parent, key) of a JSON value, depth first. */
function slots(value: Json, out: Array<[Json[] | { [key: string]: Json }, string | number]> = []) {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([value, i]), slots(item, out)));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) out.push([value, key]), slots(value[key]!, out);
  return out;
}

const MONEY = /^-?\d+(\.\d+)?$/;

/** One seeded mutation of a response body: the kinds of wrong a real API or a proxy sends. */
function mutation(next: () => number): BodyMutation {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const kind = pick(['type', 'exponent', 'locale', 'missing', 'extra', 'empty', 'huge', 'not-json', 'cursor-repeat', 'cursor-change'] as const);
  return (input) => {
    const body = input as Json;
    if (kind === 'not-json') return pick(['<!doctype html><title>502</title>', '{"data": [', '', 'null']);
    if (kind === 'cursor-repeat' || kind === 'cursor-change') {
      const meta = (body as { pagination_metadata?: Record<string, Json> }).pagination_metadata;
      if (meta) Object.assign(meta, { has_more: true, next_cursor: kind === 'cursor-repeat' ? 'stuck' : `c${Math.floor(next() * 1e9)}` });
      return body;
    }
    const all = slots(body);
    const amounts = all.filter(([parent, key]) => typeof (parent as never)[key] === 'string' && MONEY.test((parent as never)[key]));
    const targets = (kind === 'exponent' || kind === 'locale' || kind === 'huge') && amounts.length > 0 ? amounts : all;
    if (targets.length === 0) return body;
    const [parent, key] = pick(targets);
    const at = parent as Record<string | number, Json>;
    const value = at[key] as Json;
    switch (kind) {
      case 'type':
        at[key] = typeof value === 'string' ? 42 : typeof value === 'number' ? String(value) : Array.isArray(value) ? {} : typeof value === 'object' ? [] : 'x';
        break;
      case 'exponent':
        at[key] = typeof value === 'string' ? `${Number(value) || 1}e0` : 1e5;
        break;
      case 'locale':
        at[key] = typeof value === 'string' ? `1,${value.replace('.', ',')}` : '1.234,50';
        break;
      case 'missing':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete at[key];
        break;
      case 'extra':
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) value[`unexpected_${Math.floor(next() * 1e6)}`] = 'surprise';
        else at[key] = value;
        break;
      case 'empty':
        at[key] = '';
        break;
      case 'huge':
        at[key] = typeof value === 'string' ? '9'.repeat(40) : 1e308;
        break;
    }
    return body;
  };
}

describe.each(ENGINES)('fuzzed Orb responses into $name', (engine) => {
  it(`survives ${MUTATIONS_PER_ENGINE} seeded mutations of costs, subscriptions and list responses`, async () => {
    const simulator = createSimulator({ seed: 21, customers: 6, subscriptions: 16, days: 12, now: '2026-05-05T05:00:00Z' });
    const baseUrl = await simulator.listen();
    const truth = simulatorTruth(simulator);
    const subscriptions = simulator.truth.subscriptions().map((s) => s.id);
    const next = random(engine.name === 'duckdb' ? 1 : 2);
    let applied = 0;
    try {
      for (let round = 0; applied < MUTATIONS_PER_ENGINE; round += 1) {
        const { target, schema, cleanup } = await engine.fresh();
        try {
          simulator.faults.clear();
          simulator.requests.reset();
          const affected = new Set<string>();
          for (const id of subscriptions) {
            for (const endpoint of ['costs', 'usage', 'schedule']) {
              if (next() < 0.5) {
                affected.add(id);
                simulator.faults.inject({ path: `/subscriptions/${id}/${endpoint}`, kind: 'mutate', mutate: mutation(next), times: 1 });
              }
            }
          }
          for (const path of ['/subscriptions', '/customers', '/plans', '/prices', '/events/backfills']) {
            if (next() < 0.3) {
              // A subscriptions page holds them all: none of them is unaffected any more.
              if (path === '/subscriptions') subscriptions.forEach((id) => affected.add(id));
              simulator.faults.inject({ path, kind: 'mutate', mutate: mutation(next), times: 1 });
            }
          }
          const outcome = await syncFrom(baseUrl, target, schema, { maxRetries: '1' }).then(
            () => 'ok' as const,
            (error: unknown) => error,
          );
          applied += simulator.requests.log().filter((r) => r.fault === 'mutate').length;
          if (outcome !== 'ok') expect(outcome, String((outcome as Error).stack)).toBeInstanceOf(UserError);

          await withDestination(target, schema, async (d) => {
            const tables = await d.query<{ n: string }>(
              "select count(*) as n from information_schema.tables where table_catalog = current_database() and table_schema = $1 and table_name = 'rejects'",
              [schema],
            );
            if (tables[0]!.n === '0') return; // failed before anything was created
            const rejects = await d.query<{ stream: string; partition_key: string; reason: string }>('select stream, partition_key, reason from rejects');
            for (const reject of rejects) {
              expect(reject.stream).toMatch(/\w/);
              expect(reject.partition_key).toMatch(/\S/);
              expect(reject.reason).toMatch(/\S/);
            }
            const unaffected = (rows: string[]) => rows.filter((row) => !subscriptions.some((id) => affected.has(id) && row.includes(`|subscription_id=${id}|`)));
            const facts = await factsIn(d);
            if (outcome === 'ok') {
              expect(unaffected(facts.dailyCosts)).toEqual(unaffected(truth.dailyCosts()));
              expect(unaffected(facts.dailySubscriptionCosts)).toEqual(unaffected(truth.dailySubscriptionCosts()));
            } else {
              // A failed run may have left facts out, never a wrong one.
              for (const row of unaffected(facts.dailyCosts)) expect(truth.dailyCosts()).toContain(row);
            }
          });
        } finally {
          await cleanup();
        }
      }
    } finally {
      await simulator.close();
    }
    expect(applied).toBeGreaterThanOrEqual(MUTATIONS_PER_ENGINE);
  }, 600_000);
});
