import { batchOf, ChangeKind, Decimal, type FerrisError, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { planMigration, tryPlanMigration } from '../../src/evolution/migration-plan.js'

const v1 = Schema.of(['id', T.int32, false], ['amount', T.decimal(10, 2)], ['note', T.string], ['legacy', T.bytes])
const v2 = new Schema([
  { name: 'id', type: T.int64, nullable: false },
  { name: 'amount', type: T.decimal(12, 3), nullable: true },
  { name: 'note', type: T.string, nullable: true },
  { name: 'currency', type: T.string, nullable: false },
  { name: 'tags', type: T.list(T.string), nullable: true },
])

describe('[schema] planMigration', () => {
  it('turns old rows into new ones: widened, defaulted, NULL-filled and dropped', () => {
    const plan = planMigration(v1, v2, { defaults: { currency: 'EUR' } })
    expect(plan.identity).toBe(false)
    expect(plan.steps).toEqual([
      'widen id: INT → BIGINT',
      'widen amount: DECIMAL(10, 2) → DECIMAL(12, 3)',
      'keep note',
      'add currency = EUR (default)',
      'add tags = NULL',
      'drop legacy',
    ])
    const rows = [
      [1, Decimal.parse('12.50'), 'first', new Uint8Array([1])],
      [2_147_483_647, null, null, null],
    ]
    const out = rows.map(plan.migrateRow)
    expect(out[0]).toEqual([1n, Decimal.parse('12.500'), 'first', 'EUR', null])
    expect((out[0]![1] as Decimal).toString()).toBe('12.500')
    expect(out[1]).toEqual([2_147_483_647n, null, null, 'EUR', null])
  })

  it('migrates a batch keeping metadata and change kinds and remapping key positions', () => {
    const from = Schema.of(['note', T.string], ['id', T.int32, false])
    const to = Schema.of(['id', T.int64, false], ['note', T.string])
    const plan = planMigration(from, to)
    const kinds = new Uint8Array([ChangeKind.UPDATE_AFTER])
    const batch = batchOf(from, [['x', 7]], { kinds, keyFields: [1], meta: [{ offset: 5n }] })
    const out = plan.migrateBatch(batch)
    expect(out.schema).toBe(to)
    expect(out.rows).toEqual([[7n, 'x']])
    expect(out.kinds).toBe(kinds)
    expect(out.keyFields).toEqual([0])
    expect(out.meta).toEqual([{ offset: 5n }])
  })

  it('refuses to migrate a batch whose key field the new schema drops', () => {
    const from = Schema.of(['id', T.int32, false], ['v', T.string])
    const plan = planMigration(from, Schema.of(['v', T.string]))
    expect(() => plan.migrateBatch(batchOf(from, [[1, 'a']], { keyFields: [0] }))).toThrow(/Key field id is dropped/)
  })

  it('passes rows through untouched when nothing changed', () => {
    const plan = planMigration(v1, new Schema([...v1.fields]))
    expect(plan.identity).toBe(true)
    const row = [1, null, 'a', null]
    expect(plan.migrateRow(row)).toBe(row)
  })

  it('matches fields by name regardless of case or order', () => {
    const plan = planMigration(Schema.of(['A', T.int32], ['b', T.string]), Schema.of(['B', T.string], ['a', T.int32]))
    expect(plan.migrateRow([1, 'x'])).toEqual(['x', 1])
  })

  it('refuses unsafe changes with every reason', () => {
    const to = new Schema([
      { name: 'id', type: T.int32, nullable: false },
      { name: 'amount', type: T.decimal(10, 1), nullable: true },
      { name: 'note', type: T.string, nullable: false },
      { name: 'currency', type: T.string, nullable: false },
    ])
    const result = tryPlanMigration(v1, to)
    expect(result.ok).toBe(false)
    const problems = result.ok ? [] : result.problems
    expect(problems.map((p) => p.field)).toEqual(['amount', 'note', 'currency'])
    expect(problems[0]!.reason).toContain('fractional digits would be cut')
    expect(problems[1]!.reason).toBe('note became NOT NULL but old rows may hold NULL')
    expect(problems[2]!.reason).toContain('NOT NULL and has no default')

    let error: FerrisError | undefined
    try {
      planMigration(v1, to)
    } catch (e) {
      error = e as FerrisError
    }
    expect(error?.code).toBe('FERRIS_SCHEMA_INCOMPATIBLE')
    expect(error?.message).toContain('note became NOT NULL')
    expect(error?.context.problems).toHaveLength(3)
  })

  it('refuses a NULL default for a NOT NULL field', () => {
    const result = tryPlanMigration(Schema.of(), Schema.of(['x', T.int32, false]), { defaults: { x: null } })
    expect(result.ok).toBe(false)
  })
})
