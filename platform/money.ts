// Money: integer minor units of an ISO 4217 currency everywhere inside Tsunagi. Decimal text exists only at the
// edges (a pricing engine's answer, a marketplace's price field, config), converted here exactly, with BigInt
// arithmetic on the digits: a float never holds a price.
import { z } from 'zod';

export interface Money {
  /** Minor units of the currency (cents of SGD, whole dong of VND). */
  amount: number;
  /** ISO 4217 code. */
  currency: string;
}

/** How a price finer than a market accepts is brought to its precision. `down`/`up`: toward / away from zero. */
export const ROUNDING_RULES = ['half_up', 'half_even', 'down', 'up'] as const;
export type Rounding = (typeof ROUNDING_RULES)[number];

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

export const isCurrency = (code: string): boolean => CURRENCIES.has(code);

/** A currency code in config: checked against ISO 4217. */
export const currencySchema = z.string().refine(isCurrency, 'not an ISO 4217 currency code (e.g. SGD)');

const DIGITS = new Map<string, number>();

/** The currency's ISO 4217 minor-unit digits: JPY 0, SGD 2, TWD 2 (whatever a marketplace accepts), BHD 3. */
export function isoDigits(currency: string): number {
  let digits = DIGITS.get(currency);
  if (digits === undefined) {
    if (!isCurrency(currency)) throw new Error(`"${currency}" is not an ISO 4217 currency code`);
    // Building a NumberFormat costs tens of microseconds: once per currency (exports format a million amounts).
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits!;
    DIGITS.set(currency, digits);
  }
  return digits;
}

const TEN = 10n;

function roundQuotient(numerator: bigint, denominator: bigint, rule: Rounding): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const r = n % denominator;
  if (r !== 0n) {
    const twice = r * 2n;
    const up =
      rule === 'up' ||
      (rule === 'half_up' && twice >= denominator) ||
      (rule === 'half_even' && (twice > denominator || (twice === denominator && q % 2n === 1n)));
    if (up) q += 1n;
  }
  return negative ? -q : q;
}

/**
 * A decimal text ("123.45", "-0.5", "12") in `currency` → minor units, rounded by `rounding` to `decimals` places
 * (a market's precision; default the currency's ISO digits, which must not be exceeded). Throws on anything that
 * is not a plain decimal number.
 */
export function decimalToMinor(text: string, currency: string, opts: { decimals?: number; rounding?: Rounding } = {}): number {
  const digits = isoDigits(currency);
  const decimals = opts.decimals ?? digits;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > digits) {
    throw new Error(`${currency} has ${digits} decimal places; ${decimals} is not a precision it can hold`);
  }
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a decimal number`);
  const [, sign, whole, fraction = ''] = m;
  const scaled = BigInt(`${sign}${whole}${fraction}`);
  // scaled / 10^fraction.length, rounded to `decimals` places, then expressed in ISO minor units.
  const atPrecision =
    fraction.length <= decimals
      ? scaled * TEN ** BigInt(decimals - fraction.length)
      : roundQuotient(scaled, TEN ** BigInt(fraction.length - decimals), opts.rounding ?? 'half_up');
  const minor = atPrecision * TEN ** BigInt(digits - decimals);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`"${text}" ${currency} is out of range`);
  return Number(minor);
}

/** True when `amount` minor units carry no digit finer than `decimals` places (TWD 12300 at 0 places: true). */
export function fitsPrecision(amount: number, currency: string, decimals: number): boolean {
  const drop = isoDigits(currency) - decimals;
  return drop <= 0 || amount % 10 ** drop === 0;
}

/** Minor units → decimal text with `decimals` places (default ISO): 12300 TWD at 0 → "123", 1234 SGD → "12.34". */
export function minorToDecimal(amount: number, currency: string, decimals = isoDigits(currency)): string {
  if (!Number.isSafeInteger(amount)) throw new Error(`${amount} is not a whole number of minor units`);
  const digits = isoDigits(currency);
  if (!fitsPrecision(amount, currency, decimals)) {
    throw new Error(`${amount} minor units of ${currency} have more than ${decimals} decimal places`);
  }
  const negative = amount < 0;
  const units = BigInt(Math.abs(amount)) / TEN ** BigInt(Math.max(0, digits - decimals));
  const text = units.toString().padStart(decimals + 1, '0');
  const out = decimals === 0 ? text : `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
  return negative ? `-${out}` : out;
}
