// The one strict reading of whole numbers typed or uploaded by people (CLI arguments, inventory report files,
// GraphQL arguments): plain decimal digits only, within range. Number() alone would accept 0x10, 1e3, 0b11,
// 2.0 and " 7 ", and 99999999999999999999 would reach the database as a float.
import { InvalidInputError } from './errors.js';

/** The largest stock quantity accepted anywhere (Yahoo!'s documented maximum; fits PostgreSQL int). */
export const MAX_QUANTITY = 999_999_999;

/** The number the text spells in plain digits, or undefined when it is anything else or above max. */
export function wholeNumber(text: string, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** A whole number from min to max written in plain digits; InvalidInputError naming `what` otherwise. */
export function parseWholeNumber(text: string, what: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = wholeNumber(text, max);
  if (n === undefined || n < min) {
    throw new InvalidInputError(what.replace(/^-+/, ''), `${what} must be a whole number from ${min} to ${max} in plain digits, got "${text}"`);
  }
  return n;
}

export function parseQuantity(text: string, what = 'quantity'): number {
  return parseWholeNumber(text, what, { max: MAX_QUANTITY });
}

/** The same rule for a number that arrived already parsed (GraphQL Int, JSON). */
export function checkQuantity(n: number, what = 'quantity'): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_QUANTITY) {
    throw new InvalidInputError(what.replace(/^-+/, ''), `${what} must be a whole number from 0 to ${MAX_QUANTITY}, got ${n}`);
  }
  return n;
}
