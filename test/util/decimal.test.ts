import { describe, expect, it } from 'vitest';
import { add, canonicalDecimal, decimalFromNumber, formatDecimal, multiply, parseDecimal, rescale, roundDecimal, subtract } from '../../src/util/decimal.js';

const d = parseDecimal;
const f = formatDecimal;

describe('exact decimals', () => {
  it('parses plain, signed, leading-dot and exponent forms exactly', () => {
    expect(f(d('12.50'))).toBe('12.5');
    expect(f(d('-.5'))).toBe('-0.5');
    expect(f(d('1.25e-9'))).toBe('0.00000000125');
    expect(f(d('3E+2'))).toBe('300');
    expect(() => d('12,5')).toThrow(/not a decimal/);
    expect(() => d('')).toThrow(/not a decimal/);
  });

  it('adds, subtracts and multiplies without floating-point error', () => {
    expect(f(add(d('0.1'), d('0.2')))).toBe('0.3');
    expect(f(subtract(d('250'), d('249.999999999999999999')))).toBe('0.000000000000000001');
    expect(f(multiply(d('0.00000000123'), d('7654321')))).toBe('0.00941481483');
  });

  it('keeps numbers from JSON exact at their shortest text', () => {
    expect(f(decimalFromNumber(0.1))).toBe('0.1');
    expect(f(decimalFromNumber(1e-7))).toBe('0.0000001');
    expect(f(decimalFromNumber(1e21))).toBe('1000000000000000000000');
  });

  it('refuses to drop digits when narrowing, and rounds half away from zero only when asked', () => {
    expect(() => rescale(d('0.125'), 2)).toThrow(/more than 2 decimal places/);
    expect(f(rescale(d('0.120'), 2))).toBe('0.12');
    expect(f(roundDecimal(d('456.745'), 2))).toBe('456.75');
    expect(f(roundDecimal(d('-456.745'), 2))).toBe('-456.75');
    expect(f(roundDecimal(d('456.7449'), 2))).toBe('456.74');
    expect(canonicalDecimal('-0.000')).toBe('0');
  });
});
