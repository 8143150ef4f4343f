import { InventoryFileError, parseInventoryReport } from './inventory-file.js';
import { InvalidInputError } from './errors.js';
import { MAX_QUANTITY, parseQuantity } from './quantity.js';

const errorsOf = (text: string) => {
  try {
    parseInventoryReport(text, 'report.tsv');
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryFileError);
    return (err as InventoryFileError).errors;
  }
  throw new Error('expected the report to be refused');
};

describe('the FBA inventory report', () => {
  it('reads SKUs and fulfillable quantities by header name', () => {
    const items = parseInventoryReport('\uFEFFsku\tproduct-name\tafn-fulfillable-quantity\nAMZ-1\tTea\t12\nAMZ-2\t\t0\n', 'r.tsv');
    expect(items).toEqual([{ sku: 'AMZ-1', quantity: 12, productName: 'Tea' }, { sku: 'AMZ-2', quantity: 0, productName: undefined }]);
  });

  it('accepts only plain non-negative whole numbers in range, naming each bad line', () => {
    const bad = ['0x10', '1e3', '0b11', '1_000', '2.0', '99999999999999999999', '-1', ' ', 'Infinity', String(MAX_QUANTITY + 1)];
    const text = ['sku,fulfillable-quantity', 'OK-1,7', ...bad.map((q, i) => `BAD-${i},${q}`)].join('\n');
    const errors = errorsOf(text);
    expect(errors.map((e) => e.line)).toEqual(bad.map((_, i) => i + 3));
    expect(errors[0]!.message).toBe(`fulfillable quantity "0x10" of BAD-0 is not a whole number from 0 to ${MAX_QUANTITY} in plain digits`);
  });

  it('names the line of a broken quote, an empty SKU and a repeated SKU', () => {
    expect(errorsOf('sku,quantity available\nA,1\n,2\nA,3\n')).toEqual([
      { line: 3, message: 'SKU is empty' },
      { line: 4, message: 'SKU A already appears on line 2' },
    ]);
    expect(errorsOf('sku,quantity available\nA,1\n"B,2\n')[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^not a TSV\/CSV inventory report/) });
  });

  it('refers to the file by the name it was given', () => {
    expect(() => parseInventoryReport('nothing useful\n', 'inventory file')).toThrow(/^inventory file: 1 error/);
  });
});

describe('parseQuantity', () => {
  it('is the same strict rule for typed quantities', () => {
    expect(parseQuantity('0')).toBe(0);
    expect(parseQuantity(String(MAX_QUANTITY))).toBe(MAX_QUANTITY);
    for (const q of ['0x10', '1e3', '2.0', '', ' 1', '99999999999', '-0']) expect(() => parseQuantity(q, 'qty')).toThrow(InvalidInputError);
    expect(() => parseQuantity('99999999999', 'qty')).toThrow(`qty must be a whole number from 0 to ${MAX_QUANTITY} in plain digits, got "99999999999"`);
  });
});
