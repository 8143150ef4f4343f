import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappingError, MappingSet } from './index.js';

const one = (fields: Record<string, unknown>) => MappingSet.parse({ data_mappings: { m: fields } }, 'test.json');
const apply = (fields: Record<string, unknown>, record: unknown) => one(fields).apply('m', record);
const refusal = (document: unknown) => {
  try {
    MappingSet.parse(document, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return (err as Error).message;
  }
  throw new Error('the mapping file was accepted');
};
const failure = (fields: Record<string, unknown>, record: unknown) => {
  try {
    apply(fields, record);
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return (err as Error).message;
  }
  throw new Error('the record was mapped');
};

describe('the specification mapping examples', () => {
  it('wms_to_shopee renames flat fields', () => {
    const set = MappingSet.parse(
      { data_mappings: { wms_to_shopee: { product_code: 'sku', available_quantity: 'stock', warehouse_location: 'location' } } },
      'spec',
    );
    expect(set.apply('wms_to_shopee', { product_code: 'AMZ-1', available_quantity: 12, warehouse_location: 'TKY-A1', extra: 1 })).toEqual({
      sku: 'AMZ-1',
      stock: 12,
      location: 'TKY-A1',
    });
  });

  it('dotted targets build nested objects and dotted sources read them, array indexes included', () => {
    const fields = { product_code: 'sku', warehouse_location: 'warehouse_info.location', 'a.b.0.c': 'warehouse_info.deep' };
    expect(apply(fields, { product_code: 'X', warehouse_location: 'L1', a: { b: [{ c: 5 }] } })).toEqual({
      sku: 'X',
      warehouse_info: { location: 'L1', deep: 5 },
    });
  });

  it('leaves a target out when its source is absent, and maps one source to several targets', () => {
    expect(apply({ a: 'x', b: ['y', { to: 'z.w', transform: 'upper' }] }, { b: 'q' })).toEqual({ y: 'q', z: { w: 'Q' } });
  });

  it('maps arrays record by record and names the index of each bad record', () => {
    const set = one({ q: { to: 'qty', transform: 'integer' } });
    expect(set.apply('m', [{ q: '3' }, { q: 4 }])).toEqual([{ qty: 3 }, { qty: 4 }]);
    expect(() => set.apply('m', [{ q: '3' }, { q: 'x' }, { q: 1.5 }])).toThrow(/\[1\] mapping m: q → qty: is not a whole number.*\n\[2\]/);
  });

  it('the shipped config/data-mappings.json loads and maps a Shopee order', () => {
    const set = MappingSet.load('config/data-mappings.json');
    expect(set.names()).toEqual(expect.arrayContaining(['wms_to_shopee', 'shopee_to_oms', 'pim_to_shopee']));
    const order = set.apply('shopee_to_oms', {
      order_sn: '201214JASXYXY6', region: 'TW', currency: 'TWD', order_status: 'READY_TO_SHIP', total_amount: 1200,
      create_time: 1607914806, update_time: 1607914900, ship_by_date: 1608087606, recipient_address: { name: 'W***', zipcode: '100' },
    });
    expect(order).toMatchObject({
      external_order_id: '201214JASXYXY6', status: 'confirmed', totals: { amount_minor: 120000 },
      ordered_at: '2020-12-14T03:00:06Z', note: '', shipping: { name: 'W***', postal_code: '100' },
    });
  });
});

describe('transforms', () => {
  it('number and integer take numbers and plain numeric strings only', () => {
    expect(apply({ v: { to: 'n', transform: 'number' } }, { v: ' 12.50 ' })).toEqual({ n: 12.5 });
    expect(apply({ v: { to: 'n', transform: 'integer' } }, { v: '-7' })).toEqual({ n: -7 });
    for (const bad of ['0x10', '1e3', '', 'abc', true, [1]]) expect(failure({ v: { to: 'n', transform: 'number' } }, { v: bad })).toMatch(/v → n: is not a decimal number/);
    for (const bad of ['2.5', 2.5, '1_000', '99999999999999999999']) expect(failure({ v: { to: 'n', transform: 'integer' } }, { v: bad })).toMatch(/not a whole number/);
  });

  it('trim, lower and upper work on strings and refuse other values', () => {
    expect(apply({ a: { to: 'a', transform: 'trim' }, b: { to: 'b', transform: 'lower' }, c: { to: 'c', transform: 'upper' } }, { a: ' x ', b: 'AbC', c: 'sg' })).toEqual({ a: 'x', b: 'abc', c: 'SG' });
    expect(failure({ a: { to: 'a', transform: 'upper' } }, { a: 5 })).toMatch(/is not a string \(value 5\)/);
  });

  it('isoDate turns epoch seconds, ISO strings and zone-less strings into ISO 8601 UTC', () => {
    expect(apply({ t: { to: 't', transform: 'isoDate' } }, { t: 1607914806 })).toEqual({ t: '2020-12-14T03:00:06Z' });
    expect(apply({ t: { to: 't', transform: 'isoDate', args: { unit: 'milliseconds' } } }, { t: 1607914806000 })).toEqual({ t: '2020-12-14T03:00:06Z' });
    expect(apply({ t: { to: 't', transform: 'isoDate' } }, { t: '2024-05-01T10:00:00+09:00' })).toEqual({ t: '2024-05-01T01:00:00Z' });
    expect(apply({ t: { to: 't', transform: 'isoDate', args: { timezone: 'Asia/Tokyo' } } }, { t: '2024-05-01 10:00:00' })).toEqual({ t: '2024-05-01T01:00:00Z' });
    expect(apply({ t: { to: 't', transform: 'isoDate', args: { format: 'yyyy/MM/dd' } } }, { t: '2024/05/01' })).toEqual({ t: '2024-05-01T00:00:00Z' });
    expect(failure({ t: { to: 't', transform: 'isoDate' } }, { t: 'yesterday' })).toMatch(/is not a date/);
  });

  it('minorUnits converts exact decimals by the currency (fixed or from the record) and refuses lost precision', () => {
    const byRecord = { p: { to: 'minor', transform: 'minorUnits', args: { currencyFrom: 'cur' } } };
    expect(apply(byRecord, { p: 19.99, cur: 'SGD' })).toEqual({ minor: 1999 });
    expect(apply(byRecord, { p: '32119', cur: 'VND' })).toEqual({ minor: 32119 });
    expect(apply(byRecord, { p: 1500, cur: 'JPY' })).toEqual({ minor: 1500 });
    expect(apply(byRecord, { p: '-0.5', cur: 'BRL' })).toEqual({ minor: -50 });
    expect(apply({ p: { to: 'minor', transform: 'minorUnits', args: { currency: 'TWD', digits: { TWD: 0 } } } }, { p: 120 })).toEqual({ minor: 120 });
    expect(failure(byRecord, { p: 19.999, cur: 'SGD' })).toMatch(/more decimals than SGD allows \(2\)/);
    expect(failure(byRecord, { p: 1.5, cur: 'JPY' })).toMatch(/more decimals than JPY allows \(0\)/);
    expect(failure(byRecord, { p: 1, cur: 'ZZZ' })).toMatch(/no valid currency/);
  });

  it('lookup maps through its table, with an optional fallback', () => {
    const table = { table: { UNPAID: 'pending', '1': 'one' } };
    expect(apply({ s: { to: 's', transform: 'lookup', args: table } }, { s: 1 })).toEqual({ s: 'one' });
    expect(apply({ s: { to: 's', transform: 'lookup', args: { ...table, fallback: null } } }, { s: 'X' })).toEqual({ s: null });
    expect(failure({ s: { to: 's', transform: 'lookup', args: table } }, { s: 'X' })).toMatch(/not in the lookup table/);
    expect(failure({ s: { to: 's', transform: 'lookup', args: table } }, { s: 'toString' })).toMatch(/not in the lookup table/);
  });

  it('default fills absent, null and empty values and chains with other transforms', () => {
    const fields = { n: { to: 'n', transform: [{ name: 'default', args: { value: ' 0 ' } }, { name: 'trim' }, { name: 'integer' }] } };
    expect(apply(fields, {})).toEqual({ n: 0 });
    expect(apply(fields, { n: null })).toEqual({ n: 0 });
    expect(apply(fields, { n: ' 4 ' })).toEqual({ n: 4 });
  });

  it('names every failing field of a record at once, and refuses a record that is not an object', () => {
    const message = failure({ a: { to: 'a', transform: 'integer' }, b: { to: 'b', transform: 'number' } }, { a: 'x', b: 'y' });
    expect(message).toMatch(/a → a: .*; b → b: /);
    expect(failure({ a: 'a' }, 'text')).toMatch(/a record must be a JSON object/);
  });
});

describe('the mapping file is refused, naming mapping and key', () => {
  it.each([
    [{ m: { a: { to: 'b', transform: 'eval' } } }, /mapping m, key "a": unknown transform "eval"/],
    [{ m: { a: 'x', b: 'x' } }, /mapping m, key "b": duplicate target "x" \(also written by key "a"/],
    [{ m: { a: 'x', b: 'x.y' } }, /mapping m, key "b": duplicate target "x.y"/],
    [{ m: { a: 'x..y' } }, /mapping m, key "a": malformed path "x..y"/],
    [{ m: { 'a.': 'x' } }, /mapping m, key "a.": malformed path/],
    [{ m: { a: '__proto__.polluted' } }, /reserved name "__proto__"/],
    [{ m: { a: { to: 'b', transform: 'minorUnits', args: {} } } }, /key "a": transform "minorUnits": args: give exactly one of currency or currencyFrom/],
    [{ m: { a: { to: 'b', transform: 'minorUnits', args: { currency: 'XXQ' } } } }, /args.currency: must be an ISO 4217 currency code/],
    [{ m: { a: { to: 'b', transform: 'isoDate', args: { timezone: 'Mars/Base' } } } }, /args.timezone: must be an IANA time zone/],
    [{ m: { a: { to: 'b', transform: 'trim', args: { x: 1 } } } }, /transform "trim": args/],
    [{ m: { a: { to: 'b', from: 'c' } } }, /mapping m, key "a": .*from/],
    [{ m: { a: 5 } }, /mapping m, key "a"/],
    [{ m: {} }, /mapping m: maps no fields/],
  ])('%j', (mappings, message) => {
    expect(refusal({ data_mappings: mappings })).toMatch(message);
  });

  it('refuses a document without data_mappings, and files that are not JSON or too large', () => {
    expect(refusal({ mappings: {} })).toMatch(/test.json: \(root\)/);
    const dir = mkdtempSync(join(tmpdir(), 'mappings-'));
    writeFileSync(join(dir, 'bad.json'), '{"data_mappings": ');
    expect(() => MappingSet.load(join(dir, 'bad.json'))).toThrow(/bad.json: invalid JSON/);
    writeFileSync(join(dir, 'big.json'), ' '.repeat(5 * 1024 * 1024));
    expect(() => MappingSet.load(join(dir, 'big.json'))).toThrow(/big.json is 5242880 bytes; the limit is/);
    expect(() => MappingSet.load(join(dir, 'missing.json'))).toThrow(/mappings file not found/);
  });

  it('an unknown mapping name lists the known ones', () => {
    expect(() => one({ a: 'b' }).apply('nope', {})).toThrow(/no mapping named "nope" in test.json \(have: m\)/);
  });
});
