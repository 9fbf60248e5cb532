import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { SnapshotKey } from '../../src/source/snapshot-key.js'

/** A client whose catalog query answers with the given key columns (name, type OID). */
function catalog(columns: Array<[string, number]>): pg.Client {
  return { query: async () => ({ rows: columns.map(([name, oid]) => ({ name, oid })) }) } as unknown as pg.Client
}

describe('SnapshotKey', () => {
  it('orders integers numerically, beyond 2^53 too', async () => {
    const key = (await SnapshotKey.find(catalog([['id', 20]]), 'public', 't'))!
    expect(key.compare(['9'], ['10'])).toBeLessThan(0)
    expect(key.compare(['-5'], ['-40'])).toBeGreaterThan(0)
    expect(key.compare(['9007199254740993'], ['9007199254740992'])).toBeGreaterThan(0)
    expect(key.compare(['7'], ['7'])).toBe(0)
  })

  it('orders text by UTF-8 bytes, as COLLATE "C" does, which differs from UTF-16 order', async () => {
    const key = (await SnapshotKey.find(catalog([['k', 25]]), 'public', 't'))!
    expect(key.compare(['B'], ['a'])).toBeLessThan(0)
    expect(key.compare(['a'], ['é'])).toBeLessThan(0)
    // U+FF61 sorts before U+1F600 in UTF-8 bytes (EF.. < F0..) but after it in UTF-16 code units (FF61 > D83D).
    expect(key.compare(['\uff61'], ['😀'])).toBeLessThan(0)
    expect('\uff61' < '😀').toBe(false)
    expect(key.orderBy()).toBe('"k" COLLATE "C"')
  })

  it('compares composite keys column by column and writes the matching row comparison', async () => {
    const key = (await SnapshotKey.find(
      catalog([
        ['tenant', 1043],
        ['id', 23],
      ]),
      'public',
      't',
    ))!
    expect(key.compare(['a', '10'], ['a', '9'])).toBeGreaterThan(0)
    expect(key.compare(['a', '10'], ['b', '1'])).toBeLessThan(0)
    expect(key.after(["it's", '5'])).toBe(`ROW("tenant" COLLATE "C", "id") > ROW('it''s'::text COLLATE "C", '5'::int4)`)
    expect(key.indexesIn(['x', 'id', 'tenant'])).toEqual([2, 1])
    expect(key.indexesIn(['id'])).toBeUndefined()
  })

  it('gives no key for tables without a primary key or with a key type it cannot order exactly', async () => {
    expect(await SnapshotKey.find(catalog([]), 'public', 't')).toBeUndefined()
    expect(await SnapshotKey.find(catalog([['n', 1700]]), 'public', 't')).toBeUndefined()
    expect(
      await SnapshotKey.find(
        catalog([
          ['id', 20],
          ['at', 1184],
        ]),
        'public',
        't',
      ),
    ).toBeUndefined()
  })
})
