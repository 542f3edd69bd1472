import { parseDecimal, rescale, type Decimal } from '../util/decimal.js';

/**
 * Width of every money and quantity column: DECIMAL(38, 18) on both engines. 18 decimals hold
 * the products of tiny unit prices (10+ decimals) and fractional quantities; 20 integer digits
 * hold any plausible amount. Values are parsed once, here, at load time; a value that does not
 * fit is a validation error, never rounded.
 */
export const MONEY_PRECISION = 38;
export const MONEY_SCALE = 18;
const MAX_UNITS = 10n ** BigInt(MONEY_PRECISION);

export function toMoney(text: string): Decimal {
  let value: Decimal;
  try {
    value = rescale(parseDecimal(text), MONEY_SCALE);
  } catch (error) {
    throw new Error(`amount ${JSON.stringify(text)} does not fit DECIMAL(${MONEY_PRECISION},${MONEY_SCALE}): ${(error as Error).message}`);
  }
  if (value.units >= MAX_UNITS || value.units <= -MAX_UNITS) {
    throw new Error(`amount ${text} does not fit DECIMAL(${MONEY_PRECISION},${MONEY_SCALE})`);
  }
  return value;
}
