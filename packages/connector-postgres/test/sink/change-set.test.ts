import { ChangeKind } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { collapseByKey, type PendingRow } from '../../src/sink/change-set.js'

const row = (kind: ChangeKind, k: string, v: string | null): PendingRow => ({ params: [k, v], kind, values: [k, v] })

describe('collapseByKey', () => {
  it('keeps the last change per key, drops UPDATE_BEFORE, and splits deletes from upserts', () => {
    const { INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE } = ChangeKind
    const { upserts, deletes } = collapseByKey(
      [
        row(INSERT, 'a', '1'),
        row(UPDATE_BEFORE, 'a', '1'),
        row(UPDATE_AFTER, 'a', '2'),
        row(INSERT, 'b', '1'),
        row(DELETE, 'b', '1'),
        row(DELETE, 'c', null),
        row(INSERT, 'c', '3'),
      ],
      [0],
    )
    expect(upserts.map((r) => r.params)).toEqual([
      ['a', '2'],
      ['c', '3'],
    ])
    expect(deletes.map((r) => r.params)).toEqual([['b', '1']])
  })

  it('tells composite keys apart even when their parts concatenate alike', () => {
    const r1: PendingRow = { params: ['ab', 'c', '1'], kind: ChangeKind.INSERT, values: [] }
    const r2: PendingRow = { params: ['a', 'bc', '2'], kind: ChangeKind.INSERT, values: [] }
    expect(collapseByKey([r1, r2], [0, 1]).upserts).toHaveLength(2)
  })
})
