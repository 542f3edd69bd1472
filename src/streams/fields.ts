import { z } from 'zod';
import { toMoney } from '../destinations/money.js';
import { canonicalDecimal, decimalFromNumber, formatDecimal } from '../util/decimal.js';

/** Field shapes shared by the streams' validation of Orb's records. */

/** Orb's amounts are plain decimal strings: no exponent, no sign but "-", no spaces, no number type. */
const ORB_AMOUNT = /^-?\d+(\.\d+)?$/;

/** An amount, checked to fit the warehouse's DECIMAL exactly, in canonical form ("12.5"). */
export const money = z
  .string()
  .regex(ORB_AMOUNT, 'not a plain decimal amount')
  .transform((text, ctx) => {
    try {
      toMoney(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    return canonicalDecimal(text);
  });

/** A quantity: Orb sends a JSON number; it must be finite and fit the warehouse's DECIMAL. */
export const quantity = z.number().transform((value, ctx) => {
  try {
    const text = formatDecimal(decimalFromNumber(value));
    toMoney(text);
    return text;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `quantity ${value}: ${(error as Error).message}` });
    return z.NEVER;
  }
});

/** An ISO 8601 instant with an offset, as a Date. */
export const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/**
 * Every field named like an amount ("amount", "unit_amount", "minimum_amount", …), at any depth,
 * holds a plain decimal string or null; returns the first path that does not.
 */
export function badAmountPath(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const bad = badAmountPath(item, `${path}.${index}`);
      if (bad) return bad;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (/(^|_)amount$/.test(key) && item !== null && !(typeof item === 'string' && ORB_AMOUNT.test(item))) return at;
      const bad = badAmountPath(item, at);
      if (bad) return bad;
    }
  }
  return undefined;
}
