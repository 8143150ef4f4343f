// The closed set of transforms a mapping may name. Each validates its args when the mapping file loads and
// throws a short message (the engine adds mapping, field and value) when a value cannot be transformed.
// Absent and null values pass through every transform but `default`.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { isoDigits } from '../money.js';

type Run = (value: unknown, record: unknown) => unknown;
interface Transform<A extends z.ZodType> {
  args: A;
  compile(args: z.infer<A>): Run;
}
export interface CompiledStep {
  name: TransformName;
  run: Run;
}

const noArgs = z.object({}).strict();
const json = z.json();
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const currency = z.string().refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 currency code');
const timezone = z.string().refine((tz) => DateTime.local().setZone(tz).isValid, 'must be an IANA time zone');

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const INTEGER = /^[+-]?\d+$/;

/** Wraps a run so absent and null values skip it. */
const present = (run: (value: unknown, record: unknown) => unknown): Run => (value, record) =>
  value === undefined || value === null ? value : run(value, record);

function asText(value: unknown): string {
  if (typeof value !== 'string') throw new Error('is not a string');
  return value;
}

function decimalText(value: unknown): string {
  // String(number) is the shortest round-trip form (19.99, not 19.989999...), so decimals stay exact.
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!DECIMAL.test(text)) throw new Error('is not a decimal number');
  return text;
}

/** ISO 4217 minor-unit digits (JPY 0, SGD 2, BHD 3) unless the mapping overrides them for a system that differs. */
function minorDigits(code: string, overrides: Record<string, number>): number {
  return overrides[code] ?? isoDigits(code);
}

function readPath(record: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined), record);
}

function define<A extends z.ZodType>(t: Transform<A>): Transform<A> {
  return t;
}

export const TRANSFORMS = {
  number: define({
    args: noArgs,
    compile: () => present((v) => Number(decimalText(v))),
  }),
  integer: define({
    args: noArgs,
    compile: () =>
      present((v) => {
        const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
        const n = Number(text);
        if (!INTEGER.test(text) || !Number.isSafeInteger(n)) throw new Error('is not a whole number in range');
        return n;
      }),
  }),
  trim: define({ args: noArgs, compile: () => present((v) => asText(v).trim()) }),
  lower: define({ args: noArgs, compile: () => present((v) => asText(v).toLowerCase()) }),
  upper: define({ args: noArgs, compile: () => present((v) => asText(v).toUpperCase()) }),
  isoDate: define({
    args: z
      .object({
        /** Numbers are epoch seconds (Shopee's create_time) unless milliseconds. */
        unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
        /** Zone of strings that carry no offset ("2024-05-01 10:00:00" from Akeneo). */
        timezone: timezone.default('UTC'),
        /** A luxon format for strings that are neither ISO 8601 nor SQL-like, e.g. "yyyy/MM/dd HH:mm". */
        format: z.string().min(1).optional(),
      })
      .strict(),
    compile: ({ unit, timezone: zone, format }) =>
      present((v) => {
        let date: DateTime;
        if (typeof v === 'number') date = DateTime.fromMillis(unit === 'seconds' ? v * 1000 : v, { zone: 'UTC' });
        else if (typeof v === 'string') {
          const text = v.trim();
          date = format ? DateTime.fromFormat(text, format, { zone }) : DateTime.fromISO(text, { zone });
          if (!date.isValid && !format) date = DateTime.fromSQL(text, { zone });
        } else throw new Error('is not a date string or epoch number');
        if (!date.isValid) throw new Error(`is not a date${format ? ` in the format ${format}` : ''}`);
        return date.toUTC().toISO({ suppressMilliseconds: true });
      }),
  }),
  minorUnits: define({
    args: z
      .object({
        currency: currency.optional(),
        /** Path of the record's currency field, for records that carry their own. */
        currencyFrom: z.string().min(1).optional(),
        /** Digits per currency where a marketplace differs from ISO 4217. */
        digits: z.record(currency, z.number().int().min(0).max(4)).default({}),
      })
      .strict()
      .refine((a) => (a.currency === undefined) !== (a.currencyFrom === undefined), 'give exactly one of currency or currencyFrom'),
    compile: ({ currency: fixed, currencyFrom, digits }) =>
      present((v, record) => {
        const code = fixed ?? readPath(record, currencyFrom!);
        if (typeof code !== 'string' || !CURRENCIES.has(code)) throw new Error(`has no valid currency (${currencyFrom} is ${JSON.stringify(code)})`);
        const places = minorDigits(code, digits);
        const text = decimalText(v);
        const sign = text.startsWith('-') ? -1 : 1;
        const [whole, fraction = ''] = text.replace(/^[+-]/, '').split('.');
        const significant = fraction.replace(/0+$/, '');
        if (significant.length > places) throw new Error(`has more decimals than ${code} allows (${places})`);
        const minor = Number(`${whole || '0'}${fraction.padEnd(places, '0').slice(0, places)}`);
        if (!Number.isSafeInteger(minor)) throw new Error('is out of range');
        return sign * minor;
      }),
  }),
  lookup: define({
    args: z.object({ table: z.record(z.string(), json), fallback: json.optional() }).strict(),
    compile: (args) =>
      present((v) => {
        const key = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
        if (key !== undefined && Object.hasOwn(args.table, key)) return args.table[key];
        if ('fallback' in args) return args.fallback;
        throw new Error('is not in the lookup table');
      }),
  }),
  default: define({
    args: z
      .object({
        value: json.optional(),
        /** Path of another field of the record to use instead (e.g. an item's SKU where a model has none). */
        from: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => ('value' in a) !== (a.from !== undefined), 'give exactly one of value or from'),
    compile:
      ({ value, from }) =>
      (v, record) =>
        v === undefined || v === null || v === '' ? (from === undefined ? value : readPath(record, from)) : v,
  }),
} as const;

export type TransformName = keyof typeof TRANSFORMS;
