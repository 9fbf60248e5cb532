import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { checkCompatibility } from '../../src/evolution/compatibility.js'

const base = Schema.of(['id', T.int64, false], ['name', T.string])

describe('[schema] checkCompatibility', () => {
  it('backward: adding a nullable field is fine, adding a required one is not', () => {
    const added = Schema.of(['id', T.int64, false], ['name', T.string], ['email', T.string])
    expect(checkCompatibility(base, added, 'backward')).toEqual({ mode: 'backward', compatible: true, problems: [] })
    const required = Schema.of(['id', T.int64, false], ['name', T.string], ['email', T.string, false])
    const r = checkCompatibility(base, required, 'backward')
    expect(r.compatible).toBe(false)
    expect(r.problems).toEqual([expect.objectContaining({ field: 'email', direction: 'backward' })])
    expect(checkCompatibility(base, required, 'backward', { newDefaults: { email: 'n/a' } }).compatible).toBe(true)
  })

  it('backward allows widening and removing; forward allows narrowing and adding', () => {
    const widened = Schema.of(['id', T.decimal(20, 0), false])
    expect(checkCompatibility(base, widened, 'backward').compatible).toBe(true)
    const forward = checkCompatibility(base, widened, 'forward')
    expect(forward.compatible).toBe(false)
    expect(forward.problems.map((p) => [p.field, p.direction])).toEqual([['id', 'forward']])

    const narrowed = Schema.of(['id', T.int32, false], ['name', T.string])
    expect(checkCompatibility(base, narrowed, 'forward').compatible).toBe(true)
    expect(checkCompatibility(base, narrowed, 'backward').compatible).toBe(false)
  })

  it('forward: removing a field old readers need is refused unless it is nullable or has a default', () => {
    const removedOptional = Schema.of(['id', T.int64, false])
    expect(checkCompatibility(base, removedOptional, 'forward').compatible).toBe(true)
    const removedRequired = Schema.of(['name', T.string])
    const r = checkCompatibility(base, removedRequired, 'forward')
    expect(r.problems).toEqual([expect.objectContaining({ field: 'id', direction: 'forward' })])
    expect(checkCompatibility(base, removedRequired, 'forward', { oldDefaults: { id: 0n } }).compatible).toBe(true)
  })

  it('full needs both directions and reports each', () => {
    const optionalAdded = Schema.of(['id', T.int64, false], ['name', T.string], ['email', T.string])
    expect(checkCompatibility(base, optionalAdded, 'full').compatible).toBe(true)
    const changed = Schema.of(['id', T.string, false], ['name', T.string])
    const r = checkCompatibility(base, changed, 'full')
    expect(r.problems.map((p) => p.direction)).toEqual(['backward', 'forward'])
    const widened = Schema.of(['id', T.decimal(20, 0), false], ['name', T.string])
    expect(checkCompatibility(base, widened, 'full').compatible).toBe(false)
  })

  it('none accepts anything', () => {
    expect(checkCompatibility(base, Schema.of(['x', T.bytes, false]), 'none').compatible).toBe(true)
  })
})
