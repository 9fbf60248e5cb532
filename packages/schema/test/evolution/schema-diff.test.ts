import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { diffSchemas } from '../../src/evolution/schema-diff.js'

describe('[schema] diffSchemas', () => {
  it('lists added, removed and changed fields with the kind of each change', () => {
    const before = new Schema([
      { name: 'id', type: T.int32, nullable: false },
      { name: 'price', type: T.decimal(10, 2), nullable: true },
      { name: 'qty', type: T.int64, nullable: true },
      { name: 'Note', type: T.string, nullable: true, doc: 'free text' },
      { name: 'old', type: T.bytes, nullable: true },
    ])
    const after = new Schema([
      { name: 'id', type: T.int64, nullable: false },
      { name: 'qty', type: T.int32, nullable: false },
      { name: 'price', type: T.string, nullable: true },
      { name: 'note', type: T.string, nullable: true, doc: 'remarks' },
      { name: 'added', type: T.date, nullable: true },
    ])
    const d = diffSchemas(before, after)
    expect(d.identical).toBe(false)
    expect(d.added.map((f) => f.name)).toEqual(['added'])
    expect(d.removed.map((f) => f.name)).toEqual(['old'])
    expect(
      d.changed.map((c) => ({
        name: c.name,
        type: c.type,
        nullability: c.nullability,
        moved: c.moved,
        renamedCase: c.renamedCase,
        docChanged: c.docChanged,
      })),
    ).toEqual([
      {
        name: 'id',
        type: 'widened',
        nullability: 'unchanged',
        moved: undefined,
        renamedCase: false,
        docChanged: false,
      },
      {
        name: 'qty',
        type: 'narrowed',
        nullability: 'tightened',
        moved: { from: 2, to: 1 },
        renamedCase: false,
        docChanged: false,
      },
      {
        name: 'price',
        type: 'incompatible',
        nullability: 'unchanged',
        moved: { from: 1, to: 2 },
        renamedCase: false,
        docChanged: false,
      },
      {
        name: 'note',
        type: 'unchanged',
        nullability: 'unchanged',
        moved: undefined,
        renamedCase: true,
        docChanged: true,
      },
    ])
  })

  it('finds two equal schemas identical', () => {
    const s = Schema.of(['a', T.int32], ['b', T.list(T.string)])
    expect(diffSchemas(s, Schema.of(['a', T.int32], ['b', T.list(T.string)]))).toEqual({
      added: [],
      removed: [],
      changed: [],
      identical: true,
    })
  })

  it('reports a nullable field relaxed', () => {
    const d = diffSchemas(Schema.of(['a', T.int32, false]), Schema.of(['a', T.int32, true]))
    expect(d.changed[0]?.nullability).toBe('relaxed')
  })
})
