import { describe, expect, it } from 'vitest'
import { Decimal } from '../../src/types/decimal.js'

describe('core: Decimal', () => {
  it.each([
    ['12.345', '12.345'],
    ['-0.5', '-0.5'],
    ['.5', '0.5'],
    ['1e3', '1000'],
    ['1.5e-3', '0.0015'],
    ['+7', '7'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['-0.00000000000000000000000000000000000001', '-0.00000000000000000000000000000000000001'],
  ])('parses %s exactly as %s', (text, printed) => {
    expect(Decimal.parse(text).toString()).toBe(printed)
  })

  it.each(['', '.', 'abc', '1.2.3', '--1', '1e'])('rejects %j with a conversion error', (text) => {
    expect(() => Decimal.parse(text)).toThrow(/Cannot read/)
  })

  it('adds and multiplies 38-digit values without rounding', () => {
    const a = Decimal.parse('99999999999999999999999999999.999999999')
    expect(a.add(Decimal.parse('0.000000001')).toString()).toBe('100000000000000000000000000000.000000000')
    expect(Decimal.parse('1.10').mul(Decimal.parse('2.5')).toString()).toBe('2.750')
  })

  it.each([
    ['1', '3', 6, '0.333333'],
    ['2', '3', 6, '0.666667'],
    ['-2', '3', 6, '-0.666667'],
    ['10', '4', 0, '3'],
    ['-10', '4', 0, '-3'],
  ])('divides %s / %s to scale %i with HALF_UP as %s', (a, b, scale, out) => {
    expect(Decimal.parse(a).div(Decimal.parse(b), scale).toString()).toBe(out)
  })

  it('rounds half-even when asked', () => {
    expect(Decimal.parse('2.5').rescale(0, 'half_even').toString()).toBe('2')
    expect(Decimal.parse('3.5').rescale(0, 'half_even').toString()).toBe('4')
    expect(Decimal.parse('-2.5').rescale(0, 'half_up').toString()).toBe('-3')
  })

  it('fails on division by zero with its own code', () => {
    expect(() => Decimal.parse('1').div(Decimal.ZERO)).toThrow(
      expect.objectContaining({ code: 'FERRIS_DIVISION_BY_ZERO' }),
    )
  })

  it('compares across scales', () => {
    expect(Decimal.parse('1.50').compare(Decimal.parse('1.5'))).toBe(0)
    expect(Decimal.parse('-1').compare(Decimal.parse('0.1'))).toBe(-1)
  })
})
