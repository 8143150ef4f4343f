import { decimalToMinor, fitsPrecision, isoDigits, minorToDecimal } from './money.js';

describe('money', () => {
  it('knows ISO 4217 minor digits, whatever a marketplace accepts', () => {
    expect(isoDigits('SGD')).toBe(2);
    expect(isoDigits('TWD')).toBe(2);
    expect(isoDigits('VND')).toBe(0);
    expect(isoDigits('JPY')).toBe(0);
    expect(() => isoDigits('XYZ')).toThrow(/not an ISO 4217/);
  });

  it('reads decimals exactly, at the currency precision by default', () => {
    expect(decimalToMinor('12.34', 'SGD')).toBe(1234);
    expect(decimalToMinor('0.1', 'SGD')).toBe(10);
    expect(decimalToMinor('32119', 'VND')).toBe(32119);
    expect(decimalToMinor('-5', 'BRL')).toBe(-500);
    // 0.1 + 0.2 is a float problem, not a decimal one.
    expect(decimalToMinor('0.30', 'SGD')).toBe(30);
  });

  it('rounds to a market precision by the configured rule, in ISO minor units', () => {
    expect(decimalToMinor('123.45', 'TWD', { decimals: 0 })).toBe(12300);
    expect(decimalToMinor('123.5', 'TWD', { decimals: 0 })).toBe(12400);
    expect(decimalToMinor('124.5', 'TWD', { decimals: 0, rounding: 'half_even' })).toBe(12400);
    expect(decimalToMinor('123.5', 'TWD', { decimals: 0, rounding: 'half_even' })).toBe(12400);
    expect(decimalToMinor('123.01', 'TWD', { decimals: 0, rounding: 'up' })).toBe(12400);
    expect(decimalToMinor('123.99', 'TWD', { decimals: 0, rounding: 'down' })).toBe(12300);
    expect(decimalToMinor('12.345', 'SGD', { rounding: 'half_up' })).toBe(1235);
    expect(decimalToMinor('-123.5', 'TWD', { decimals: 0 })).toBe(-12400);
  });

  it('refuses what is not a decimal or a precision the currency cannot hold', () => {
    for (const bad of ['', '1e3', '0x10', '1,000', '12.', '.5', 'NaN']) expect(() => decimalToMinor(bad, 'SGD')).toThrow(/not a decimal/);
    expect(() => decimalToMinor('1', 'VND', { decimals: 2 })).toThrow(/VND has 0 decimal places/);
    expect(() => decimalToMinor('99999999999999999', 'SGD')).toThrow(/out of range/);
  });

  it('writes minor units at a precision, refusing finer amounts instead of rounding them away', () => {
    expect(minorToDecimal(1234, 'SGD')).toBe('12.34');
    expect(minorToDecimal(5, 'SGD')).toBe('0.05');
    expect(minorToDecimal(12300, 'TWD', 0)).toBe('123');
    expect(minorToDecimal(32119, 'VND')).toBe('32119');
    expect(minorToDecimal(-150, 'BRL')).toBe('-1.50');
    expect(fitsPrecision(12345, 'TWD', 0)).toBe(false);
    expect(() => minorToDecimal(12345, 'TWD', 0)).toThrow(/more than 0 decimal places/);
  });
});
