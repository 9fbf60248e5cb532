import type { Row } from '@ferris/core'
import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { formatOf } from '../../src/options/format-options.js'
import type { ByteOrigin } from '../../src/reading/byte-origin.js'
import { openFormatReader, type ReadProgress } from '../../src/reading/format-reader.js'

const S = Schema.of(['id', T.int64], ['name', T.string])
const options = {
  compression: 'auto',
  has_headers: true,
  delimiter: ',',
  quote: '"',
  null_marker: '',
  max_record_bytes: 1024,
}

/** Bytes held in memory, handed out in 5-byte chunks so records span chunks; `text` may grow. */
function memory(state: { text: string }): ByteOrigin {
  return {
    name: 'mem://in.csv',
    async *bytes(start: number) {
      const all = new TextEncoder().encode(state.text)
      for (let i = start; i < all.length; i += 5) yield all.subarray(i, Math.min(i + 5, all.length))
    },
    randomAccess: () => {
      throw new Error('not used for CSV')
    },
  }
}

function open(state: { text: string }, from: ReadProgress, followGrowth = false) {
  const progress: ReadProgress[] = []
  const bad: string[] = []
  const reader = openFormatReader(
    memory(state),
    formatOf(options, 'in.csv', 'src'),
    from,
    { schema: S, batchSize: 2, followGrowth },
    {
      progress: (p) => progress.push(p),
      badRecord: (b) => bad.push(`${b.file}:${b.line}:${b.raw}`),
      badRow: () => {
        throw new Error('no Parquet here')
      },
    },
  )

  return { reader, progress, bad }
}

describe('[formats] format reader', () => {
  it('hands over rows in batches, reports a bad record between them and moves the position past each', async () => {
    const {
      reader: opening,
      progress,
      bad,
    } = open({ text: 'id,name\n1,a\nx,b\n3,c\n' }, { offset: 0, line: 1, done: false })
    const reader = await opening
    const rows: Row[] = []
    expect(await reader.take(rows, 2)).toBe('full')
    expect(rows).toEqual([
      [1n, 'a'],
      [3n, 'c'],
    ])
    expect(bad).toEqual(['mem://in.csv:3:x,b'])
    expect(progress).toEqual([
      { offset: 12, line: 3, done: false },
      { offset: 16, line: 4, done: false },
      { offset: 20, line: 5, done: false },
    ])
    expect(await reader.take([], 2)).toBe('done')
    expect(progress.at(-1)).toEqual({ offset: 20, line: 5, done: true })
  })

  it('resumes inside the input, reading the header first', async () => {
    const { reader: opening } = open({ text: 'id,name\n1,a\n2,b\n' }, { offset: 12, line: 3, done: false })
    const rows: Row[] = []
    expect(await (await opening).take(rows, 5)).toBe('done')
    expect(rows).toEqual([[2n, 'b']])
  })

  it('following growth, keeps an unfinished last line and continues once the input grows', async () => {
    const state = { text: 'id,name\n1,a\n2,' }
    const { reader: opening } = open(state, { offset: 0, line: 1, done: false }, true)
    const reader = await opening
    const rows: Row[] = []
    expect(await reader.take(rows, 5)).toBe('caught-up')
    expect(rows).toEqual([[1n, 'a']])
    expect(reader.fedTo).toBe(14)
    state.text += 'b\n'
    expect(await reader.take(rows, 5)).toBe('caught-up')
    expect(rows).toEqual([
      [1n, 'a'],
      [2n, 'b'],
    ])
  })
})
