import { describe, expect, it } from 'vitest'
import type { CreateTableStatement } from '../../src/parser/ast.js'
import { parse } from '../../src/parser/parser.js'

describe('parser: CREATE TABLE declarations and keys', () => {
  it('reads a column PRIMARY KEY and a table PRIMARY KEY (a, b), marking the declaration a table', () => {
    const one = parse(`CREATE TABLE c (id BIGINT NOT NULL PRIMARY KEY, name STRING) WITH ('c.uri' = 'memory://c')`)
    const d = one.declarations![0]!
    expect(d.table).toBe(true)
    expect(d.primaryKey!.map((k) => k.name)).toEqual(['id'])
    expect(d.columns.map((c) => [c.name.name, c.nullable])).toEqual([
      ['id', false],
      ['name', true],
    ])
    const two = parse(`CREATE TABLE c (a INT, b STRING, v DOUBLE, PRIMARY KEY (a, b)) WITH ('c.uri' = 'memory://c')`)
    expect(two.declarations![0]!.primaryKey!.map((k) => k.name)).toEqual(['a', 'b'])
    expect(two.declarations![0]!.columns).toHaveLength(3)
    const stream = parse(`CREATE STREAM s (a INT) WITH ('s.uri' = 'memory://s')`)
    expect(stream.declarations![0]!.table).toBeUndefined()
  })

  it('reads the key of a CREATE TABLE ... AS SELECT', () => {
    const st = parse('CREATE TABLE latest (PRIMARY KEY (id)) AS SELECT id, name FROM log')
      .statements[0] as CreateTableStatement
    expect(st.kind).toBe('create_table')
    expect(st.primaryKey!.map((k) => k.name)).toEqual(['id'])
    expect(st.query.select).toHaveLength(2)
  })

  it('refuses a key declared twice, a stream with a key and a key without columns, pointing at them', () => {
    expect(() => parse('CREATE TABLE c (id INT PRIMARY KEY, PRIMARY KEY (id))')).toThrow(
      /The PRIMARY KEY is declared twice at line 1, column 37/,
    )
    expect(() => parse('CREATE STREAM s (id INT PRIMARY KEY)')).toThrow(
      /A stream has no PRIMARY KEY; s declares one at line 1, column 18/,
    )
    expect(() => parse("CREATE TABLE c (PRIMARY KEY (id)) WITH ('c.uri' = 'x')")).toThrow(
      /c declares a key but no columns/,
    )
  })

  it('refuses a table declared twice (also as a query), pointing at the second and naming the first', () => {
    const twice = (sql: string) => {
      try {
        parse(sql)
      } catch (error) {
        return error as { code: string; message: string; context: { hint?: string; location?: unknown } }
      }
      throw new Error('parsed')
    }
    const decl = twice('CREATE TABLE c (id INT PRIMARY KEY); CREATE TABLE C (id BIGINT PRIMARY KEY); SELECT id FROM c')
    expect(decl.code).toBe('FERRIS_SQL_SYNTAX')
    expect(decl.message).toMatch(/^C is declared twice at line 1, column 51/)
    expect(decl.context.hint).toBe('It was first declared at line 1, column 14; rename or remove one of them')
    const query = twice(`CREATE TABLE t (id INT PRIMARY KEY) WITH ('t.uri' = 'memory://t');
      CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s GROUP BY id`)
    expect(query.message).toMatch(/^t is declared twice at line 2, column 20/)
    expect(query.context.hint).toMatch(/line 1, column 14/)
  })
})
