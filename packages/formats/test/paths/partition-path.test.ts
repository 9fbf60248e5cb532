import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { groupByPartition, NULL_PARTITION, partitionIndexes, partitionPath } from '../../src/paths/partition-path.js'

const schema = Schema.of(['dt', T.string], ['region', T.string], ['n', T.int64])

describe('[formats] partition paths', () => {
  it('finds partition columns and names a missing one with the columns there are', () => {
    expect(partitionIndexes(schema, ['region', 'dt'], 'out')).toEqual([1, 0])
    expect(() => partitionIndexes(schema, ['nope'], 'out')).toThrow(
      /Partition column "nope" is not in the output of out/,
    )
  })

  it('names a row Hive style, NULL and empty values as the Hive default partition', () => {
    const idx = [0, 1]
    expect(partitionPath(schema, idx, ['2024-01-01', 'eu', 1n])).toBe('dt=2024-01-01/region=eu')
    expect(partitionPath(schema, idx, [null, '', 1n])).toBe(`dt=${NULL_PARTITION}/region=${NULL_PARTITION}`)
    expect(partitionPath(schema, [2], ['x', 'y', 42n])).toBe('n=42')
  })

  it('percent-encodes what Hive escapes, and /, = and %', () => {
    expect(partitionPath(schema, [1], ['x', 'a/b=c%d:e\n', 1n])).toBe('region=a%2Fb%3Dc%25d%3Ae%0A')
    expect(partitionPath(schema, [1], ['x', '..', 1n])).toBe('region=..')
  })

  it('groups rows by partition in order of first appearance, keeping row order', () => {
    const rows = [
      ['d1', 'eu', 1n],
      ['d1', 'us', 2n],
      ['d1', 'eu', 3n],
    ]
    const groups = groupByPartition(schema, [1], rows)
    expect([...groups.keys()]).toEqual(['region=eu', 'region=us'])
    expect(groups.get('region=eu')).toEqual([rows[0], rows[2]])
    expect(groupByPartition(schema, [], rows).get('')).toBe(rows)
  })
})
