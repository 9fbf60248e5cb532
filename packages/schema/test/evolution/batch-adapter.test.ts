import { batchOf, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { BatchAdapter } from '../../src/evolution/batch-adapter.js'

const expected = Schema.of(['id', T.int64, false], ['name', T.string])

describe('[schema] BatchAdapter', () => {
  it('passes batches of the expected schema through untouched', () => {
    const adapter = new BatchAdapter(expected)
    const batch = batchOf(expected, [[1n, 'a']])
    expect(adapter.adapt(batch)).toEqual({ ok: true, batch, evolved: false })
  })

  it('evolves a batch whose schema drifted compatibly, planning once per schema', () => {
    const adapter = new BatchAdapter(expected)
    const drifted = Schema.of(['name', T.string], ['id', T.int32, false], ['extra', T.string])
    const a = adapter.adapt(batchOf(drifted, [['a', 1, 'x']]), 'orders')
    const b = adapter.adapt(batchOf(drifted, [['b', 2, 'y']]), 'orders')
    expect(a.ok && a.batch.rows).toEqual([[1n, 'a']])
    expect(b.ok && b.batch.schema).toBe(expected)
    expect(b.ok && b.evolved).toBe(true)
    expect(adapter.evolvedSchemas).toBe(1)
  })

  it('returns an error for the bad-record policy when the drift cannot be evolved', () => {
    const adapter = new BatchAdapter(expected)
    const r = adapter.adapt(batchOf(Schema.of(['id', T.string, false]), [['x']]), 'orders')
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('FERRIS_SCHEMA_INCOMPATIBLE')
    expect(r.error.message).toContain('Records of orders changed shape incompatibly: id: STRING cannot become BIGINT')
    expect(r.error.context.expected).toBe('id BIGINT NOT NULL, name STRING')
  })
})
