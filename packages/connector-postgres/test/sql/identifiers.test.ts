import { describe, expect, it } from 'vitest'
import { Statements } from '../../src/sink/statements.js'
import { deriveName, qualifiedName, quoteIdent, quoteLiteral } from '../../src/sql/identifiers.js'

describe('quoteIdent', () => {
  it('wraps names in double quotes and doubles inner quotes', () => {
    expect(quoteIdent('orders')).toBe('"orders"')
    expect(quoteIdent('a"b')).toBe('"a""b"')
    expect(quoteIdent('x"; DROP TABLE victims; --')).toBe('"x""; DROP TABLE victims; --"')
    expect(qualifiedName('my schema', 'Order"s')).toBe('"my schema"."Order""s"')
  })

  it('refuses a NUL character instead of letting the server cut the name', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/)
  })

  it('quotes literals for replication commands', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'")
  })

  it('derives slot names PostgreSQL accepts', () => {
    expect(deriveName('ferris_', 'Orders-EU.v2')).toBe('ferris_orders_eu_v2')
    expect(deriveName('ferris_', 'x'.repeat(100), '_pub')).toHaveLength(63)
  })
})

describe('Statements', () => {
  it('quotes every table and column name in inserts, upserts and deletes', () => {
    const s = new Statements('"public"."t"', ['id', 'va"l'], ['id'])
    expect(s.insert(2)).toBe(
      'INSERT INTO "public"."t" ("id","va""l") VALUES ($1,$2),($3,$4) ON CONFLICT ("id") DO UPDATE SET "va""l"=EXCLUDED."va""l"',
    )
    expect(s.delete(3)).toBe('DELETE FROM "public"."t" WHERE "id" IN ($1,$2,$3)')
    const composite = new Statements('"t"', ['a', 'b', 'c'], ['a', 'b'])
    expect(composite.delete(2)).toBe('DELETE FROM "t" WHERE ("a","b") IN (($1,$2),($3,$4))')
    expect(new Statements('"t"', ['a'], ['a']).insert(1)).toBe(
      'INSERT INTO "t" ("a") VALUES ($1) ON CONFLICT ("a") DO NOTHING',
    )
    expect(new Statements('"t"', ['a'], []).insert(1)).toBe('INSERT INTO "t" ("a") VALUES ($1)')
  })
})
