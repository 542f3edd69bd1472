/**
 * Exact decimal arithmetic on strings, for money. A value is held as a scaled BigInt
 * (`units` × 10^-scale); no JavaScript `number` ever holds an amount.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_PATTERN = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses "12.50", "-.5" or "1.25e-9" (the form JavaScript prints small numbers in) exactly. */
export function parseDecimal(text: string): Decimal {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole = '0', fraction = match[4] ?? '', , exponentText] = match;
  const exponent = Number(exponentText ?? 0);
  let units = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

/** A JSON number (quantities are numbers in Orb's API) as an exact decimal of its shortest text. */
export function decimalFromNumber(value: number): Decimal {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return parseDecimal(String(value));
}

/** Same value at a larger scale; throws rather than drop digits when the scale would shrink. */
export function rescale(value: Decimal, scale: number): Decimal {
  if (scale === value.scale) return value;
  if (scale > value.scale) return { units: value.units * 10n ** BigInt(scale - value.scale), scale };
  const factor = 10n ** BigInt(value.scale - scale);
  if (value.units % factor !== 0n) {
    throw new Error(`${formatDecimal(value)} has more than ${scale} decimal places`);
  }
  return { units: value.units / factor, scale };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [rescale(a, scale).units, rescale(b, scale).units, scale];
}

export function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function subtract(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function compare(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function max(a: Decimal, b: Decimal): Decimal {
  return compare(a, b) >= 0 ? a : b;
}

export function min(a: Decimal, b: Decimal): Decimal {
  return compare(a, b) <= 0 ? a : b;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

export function sum(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const value of values) total = add(total, value);
  return total;
}

/** Canonical text: no exponent, no trailing fractional zeros ("12.5", "0", "-0.000000000125"). */
export function formatDecimal(value: Decimal): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString();
  if (value.scale > 0) {
    digits = digits.padStart(value.scale + 1, '0');
    const whole = digits.slice(0, -value.scale);
    const fraction = digits.slice(-value.scale).replace(/0+$/, '');
    digits = fraction ? `${whole}.${fraction}` : whole;
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Canonical form of a decimal string, so values from different sources compare as text. */
export function canonicalDecimal(text: string): string {
  return formatDecimal(parseDecimal(text));
}

/** Rounds half away from zero to `scale` decimals (for display; stored amounts are never rounded). */
export function roundDecimal(value: Decimal, scale: number): Decimal {
  if (value.scale <= scale) return value;
  const factor = 10n ** BigInt(value.scale - scale);
  const magnitude = value.units < 0n ? -value.units : value.units;
  const rounded = (magnitude + factor / 2n) / factor;
  return { units: value.units < 0n ? -rounded : rounded, scale };
}
