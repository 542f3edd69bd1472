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
