import { type DataType, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { createTextCell, textCell } from '../../src/convert/text-cell.js'

function outcome(read: () => unknown): unknown {
  try {
    return read()
  } catch (error) {
    return { error: (error as Error).message }
  }
}

describe('createTextCell', () => {
  const types: DataType[] = [T.string, T.int64, T.float64, T.decimal(10, 2), T.boolean, T.timestamp('us', 'UTC')]
  const texts = ['', 'NA', 'null', '42', '-1.50', 'true', '2024-01-01T00:00:00.5Z', 'x', ' 7 ']

  it('reads every cell as textCell does, quoted or not, with and without a null marker', () => {
    for (const type of types) {
      for (const marker of ['', 'NA']) {
        const read = createTextCell(type, marker)
        for (const text of texts) {
          for (const quoted of [false, true]) {
            expect(
              outcome(() => read(text, quoted)),
              `${JSON.stringify(text)} ${type.kind} ${marker} ${quoted}`,
            ).toEqual(outcome(() => textCell(text, quoted, type, marker)))
          }
        }
      }
    }
  })

  it('keeps a quoted empty STRING and reads an unquoted null marker as NULL', () => {
    expect(createTextCell(T.string, '')('', true)).toBe('')
    expect(createTextCell(T.string, '')('', false)).toBeNull()
    expect(createTextCell(T.int64, 'NA')('NA', false)).toBeNull()
    expect(() => createTextCell(T.int64, 'NA')('NA', true)).toThrow(/Cannot read "NA" as BIGINT/)
  })
})
