import { isFerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { CreateStreamStatement, Query } from '../../src/parser/ast.js'
import { parse, parseExpression } from '../../src/parser/parser.js'
import { show } from '../support/show-expr.js'

const expr = (sql: string) => show(parseExpression(sql))
const query = (sql: string): Query => parse(sql).statements[0]!.query

function syntaxError(sql: string) {
  try {
    parse(sql)
  } catch (e) {
    if (isFerrisError(e)) return e
    throw e
  }
  throw new Error(`expected ${JSON.stringify(sql)} to fail`)
}

describe('parser: expressions and precedence', () => {
  it.each([
    ['a + b * c', '(a + (b * c))'],
    ['(a + b) * c', '((a + b) * c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b % c', '((a / b) % c)'],
    ['a || b + c', '(a || (b + c))'],
    ['a = b || c', '(a = (b || c))'],
    ['a OR b AND c', '(a OR (b AND c))'],
    ['NOT a = b', '(NOT (a = b))'],
    ['NOT a AND b', '((NOT a) AND b)'],
    ['a < b AND c >= d OR e <> f', '(((a < b) AND (c >= d)) OR (e <> f))'],
    ['a != b', '(a <> b)'],
    ['-a * b', '((- a) * b)'],
    ['-5', '-5'],
    ['- -5', '5'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['+7.5', '7.5'],
    ['x IS NULL', '(x IS NULL)'],
    ['x IS NOT NULL AND y', '((x IS NOT NULL) AND y)'],
    ['x IS DISTINCT FROM y', '(x IS DISTINCT FROM y)'],
    ['x IS NOT DISTINCT FROM y + 1', '(x IS NOT DISTINCT FROM (y + 1))'],
    ['x IS TRUE', '(x IS NOT DISTINCT FROM true)'],
    ['x BETWEEN 1 AND 2 AND y', '((x BETWEEN 1 AND 2) AND y)'],
    ['x NOT BETWEEN a + 1 AND b', '(x NOT BETWEEN (a + 1) AND b)'],
    ["x IN (1, 2, 'a')", "(x IN [1, 2, 'a'])"],
    ['x NOT IN (1)', '(x NOT IN [1])'],
    ['x IN (SELECT id FROM t)', '(x IN subquery)'],
    ["name LIKE 'a%'", "(name LIKE 'a%')"],
    ["name NOT ILIKE 'a!%' ESCAPE '!'", "(name NOT ILIKE 'a!%' ESCAPE '!')"],
    [
      "CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END",
      "CASE WHEN (a > 1) THEN 'x' WHEN (a > 0) THEN 'y' ELSE 'z' END",
    ],
    ["CASE status WHEN 1 THEN 'on' END", "CASE status WHEN 1 THEN 'on' END"],
    ['CAST(a AS BIGINT)', 'CAST(a AS BIGINT)'],
    ['TRY_CAST(a AS DECIMAL(10, 2))', 'TRY_CAST(a AS DECIMAL(10, 2))'],
    ['a::double precision', 'CAST(a AS double precision)'],
    ['CAST(t AS TIMESTAMP(3) WITH TIME ZONE)', 'CAST(t AS TIMESTAMP(3) WITH TIME ZONE)'],
    ['UPPER(TRIM(name))', 'UPPER(TRIM(name))'],
    ['EXTRACT(YEAR FROM ts)', "EXTRACT('YEAR', ts)"],
    ["POSITION('a' IN s)", "POSITION('a', s)"],
    ['SUBSTRING(s FROM 2 FOR 3)', 'SUBSTRING(s, 2, 3)'],
    ['SUBSTRING(s, 2)', 'SUBSTRING(s, 2)'],
    ["TRIM(LEADING 'x' FROM s)", "LTRIM(s, 'x')"],
    ['TRIM(BOTH FROM s)', 'TRIM(s)'],
    ['COUNT(*)', 'COUNT(*)'],
    ['COUNT(DISTINCT x)', 'COUNT(DISTINCT x)'],
    ['SUM(x) FILTER (WHERE x > 0)', 'SUM(x) FILTER((x > 0))'],
    [
      'ROW_NUMBER() OVER (PARTITION BY k ORDER BY t DESC ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)',
      'ROW_NUMBER() OVER(...)',
    ],
    ['o.amount', 'o.amount'],
    ['"Order Id"', 'Order Id'],
    ['_key', '_key'],
    ["HEADER('trace')", "HEADER('trace')"],
    ['HEADER_KEYS()', 'HEADER_KEYS()'],
    ['CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP()'],
    ['NOW()', 'NOW()'],
    ["DATE '2024-02-29'", "date'2024-02-29'"],
    ["TIMESTAMP '2024-02-29 10:00:00'", "timestamp'2024-02-29 10:00:00'"],
    ['timestamp', 'timestamp'],
    ['TRUE AND NOT FALSE', '(true AND (NOT false))'],
    ['NULL', 'null'],
    ['EXISTS (SELECT 1 FROM t)', 'EXISTS(subquery)'],
    ['NOT EXISTS (SELECT 1 FROM t)', 'NOT EXISTS(subquery)'],
    ['(SELECT MAX(x) FROM t)', '(subquery)'],
  ])('%s', (sql, expected) => {
    expect(expr(sql)).toBe(expected)
  })
})

describe('parser: interval literals', () => {
  it.each([
    ["INTERVAL '5' MINUTE", 'interval(0m,0d,300000000000ns)'],
    ['INTERVAL 5 MINUTES', 'interval(0m,0d,300000000000ns)'],
    ["INTERVAL '1.5' SECOND", 'interval(0m,0d,1500000000ns)'],
    ["INTERVAL '2' YEAR", 'interval(24m,0d,0ns)'],
    ["INTERVAL '1-2' YEAR TO MONTH", 'interval(14m,0d,0ns)'],
    ["INTERVAL '3 04:05:06' DAY TO SECOND", 'interval(0m,3d,14706000000000ns)'],
    ["INTERVAL '10:30' HOUR TO MINUTE", 'interval(0m,0d,37800000000000ns)'],
    ["INTERVAL '1 day 2 hours'", 'interval(0m,1d,7200000000000ns)'],
    ["INTERVAL '-5' MINUTE", 'interval(0m,0d,-300000000000ns)'],
    ["-INTERVAL '1' DAY", 'interval(0m,-1d,0ns)'],
    ['5m', 'interval(0m,0d,300000000000ns)'],
    ['30s', 'interval(0m,0d,30000000000ns)'],
    ['100ms', 'interval(0m,0d,100000000ns)'],
    ['1d', 'interval(0m,1d,0ns)'],
  ])('%s', (sql, expected) => {
    expect(expr(sql)).toBe(expected)
  })

  it.each([
    ["INTERVAL '1.5' DAY", /DAY intervals must be whole numbers/],
    ["INTERVAL 'abc' MINUTE", /"abc" is not a number/],
    ["INTERVAL '1:2:3' HOUR TO MINUTE", /needs 2/],
    ["INTERVAL '5'", /does not name its units/],
    ['INTERVAL 5', /interval unit/],
  ])('rejects %s', (sql, message) => {
    expect(() => parseExpression(sql)).toThrow(message)
  })
})

describe('parser: statements', () => {
  it('parses CREATE STREAM with EMIT and WITH', () => {
    const app = parse(`-- totals
      CREATE STREAM totals AS
      SELECT station, MIN(temp) AS lo FROM readings GROUP BY station EMIT FINAL
      WITH ('readings.type' = 'file_source', 'readings.path' = './r.csv', totals.format = 'csv', 'job.batch_size' = 10);`)
    const st = app.statements[0] as CreateStreamStatement
    expect(st.kind).toBe('create_stream')
    expect(st.name.name).toBe('totals')
    expect(st.emit?.mode).toBe('final')
    expect(st.properties.map((p) => [p.key, p.value])).toEqual([
      ['readings.type', 'file_source'],
      ['readings.path', './r.csv'],
      ['totals.format', 'csv'],
      ['job.batch_size', '10'],
    ])
    expect(st.query.groupBy.map(show)).toEqual(['station'])
  })

  it('parses several statements, CREATE TABLE, INSERT INTO and bare SELECT', () => {
    const app = parse(`
      CREATE OR REPLACE TABLE t AS SELECT * FROM a;
      /* insert */ INSERT INTO out SELECT x FROM b EMIT CHANGES;
      SELECT * FROM 'file:///data/x.csv' AS x LIMIT 5;;`)
    expect(app.statements.map((s) => s.kind)).toEqual(['create_table', 'insert', 'select'])
    const sel = app.statements[2]!.query
    expect(sel.from).toMatchObject({ kind: 'uri', uri: 'file:///data/x.csv', alias: { name: 'x' } })
    expect(sel.limit?.value).toBe(5n)
    expect(app.statements[1]!.emit?.mode).toBe('changes')
  })

  it('parses every query clause', () => {
    const q = query(`SELECT DISTINCT o.id, p.amount total, *, o.* FROM orders o
      LEFT OUTER JOIN payments AS p ON o.id = p.order_id WITHIN INTERVAL '1' HOUR
      WHERE o.amount > 10 GROUP BY o.id, p.amount HAVING COUNT(*) > 1
      WINDOW TUMBLING(o.ts, INTERVAL '1' MINUTE) ORDER BY o.id DESC NULLS LAST LIMIT 3`)
    expect(q.distinct).toBe(true)
    expect(
      q.select.map((s) => (s.kind === 'star' ? `${s.qualifier?.name ?? ''}*` : (s.alias?.name ?? show(s.expr)))),
    ).toEqual(['o.id', 'total', '*', 'o*'])
    expect(q.from).toMatchObject({ kind: 'join', type: 'left', left: { kind: 'named', alias: { name: 'o' } } })
    expect(q.window).toMatchObject({ kind: 'tumbling' })
    expect(q.window?.args).toHaveLength(2)
    expect(q.having).toBeDefined()
    expect(q.orderBy[0]).toMatchObject({ descending: true, nullsFirst: false })
  })

  it.each([
    ['JOIN', 'inner'],
    ['INNER JOIN', 'inner'],
    ['RIGHT JOIN', 'right'],
    ['FULL OUTER JOIN', 'full'],
  ])('parses %s', (join, type) => {
    expect(query(`SELECT * FROM a ${join} b USING (id)`).from).toMatchObject({ kind: 'join', type })
  })

  it('parses CROSS JOIN, subqueries in FROM and session and sliding windows', () => {
    expect(query('SELECT * FROM a CROSS JOIN b').from).toMatchObject({ kind: 'join', type: 'cross' })
    expect(query('SELECT * FROM (SELECT x FROM a) s').from).toMatchObject({ kind: 'subquery', alias: { name: 's' } })
    expect(query('SELECT 1 FROM a WINDOW SESSION(30s)').window?.kind).toBe('session')
    expect(query('SELECT 1 FROM a GROUP BY k WINDOW HOPPING(5m, 1m)').window?.kind).toBe('sliding')
  })

  it('keeps spans that point at the source text', () => {
    const sql = 'SELECT amount * 2 AS doubled FROM orders'
    const item = query(sql).select[0]!
    expect(sql.slice(item.span.start, item.span.end)).toBe('amount * 2 AS doubled')
  })
})

describe('parser: errors point at the text', () => {
  it.each([
    // [sql, message, line, column, caret line]
    [
      'SELECT a FROM',
      /Unexpected end of input: expected a source name/,
      1,
      14,
      '  1 | SELECT a FROM\n    |              ^',
    ],
    [
      'SELECT a,\n  b FRM t',
      /Expected FROM after the select list but found "FRM". Did you mean FROM\?/,
      2,
      5,
      '    |     ^^^',
    ],
    ['SELCT a FROM t', /Expected a statement .* but found "SELCT". Did you mean SELECT\?/, 1, 1, '^^^^^'],
    ['SELECT a FROM t WHERE', /Unexpected end of input: expected an expression/, 1, 22, undefined],
    ['SELECT a FROM t WHERE a >', /Unexpected end of input: expected an expression/, 1, 26, undefined],
    ['SELECT (a + 1 FROM t', /Expected "\)" to close the parenthesis but found "FROM"/, 1, 15, '^^^^'],
    ['SELECT a FROM t EMIT SOON', /Expected CHANGES or FINAL after EMIT but found "SOON"/, 1, 22, '^^^^'],
    ["SELECT a FROM t WITH ('a.b' 'c')", /Expected "=" after the property key 'a.b'/, 1, 29, undefined],
    ["SELECT a FROM t WITH ('a.b' = 'c', 'a.b' = 'd')", /Property 'a.b' is given twice/, 1, 36, undefined],
    ['SELECT CAST(a AS INTEGR) FROM t', /Unknown type INTEGR. Did you mean INTEGER/, 1, 18, '^^^^^^'],
    ['SELECT a FROM t LIMIT x', /Expected a whole number after LIMIT/, 1, 23, undefined],
    ['SELECT FROM t', /Expected an expression in the select list but found "FROM"/, 1, 8, '^^^^'],
    [
      'SELECT a FROM t WHERE a = 1 GRUOP BY a',
      /Expected ";" or the end of the statement but found "GRUOP". Did you mean GROUP\?/,
      1,
      29,
      undefined,
    ],
    ['CREATE VIEW v AS SELECT 1 FROM t', /Expected STREAM or TABLE after CREATE but found "VIEW"/, 1, 8, undefined],
    ['SELECT CASE WHEN a THEN 1 FROM t', /Expected END to close CASE but found "FROM"/, 1, 27, undefined],
    ['SELECT a FROM t WHERE a NOT 5', /Expected ";" or the end of the statement but found "NOT"/, 1, 25, '^^^'],
    ['SELECT a FROM select', /Expected a source name .* but found the keyword SELECT/, 1, 15, undefined],
    ['', /holds no statement/, 1, 1, undefined],
  ])('%s', (sql, message, line, column, caret) => {
    const e = syntaxError(sql)
    expect(e.code).toBe('FERRIS_SQL_SYNTAX')
    expect(e.message).toMatch(message)
    expect(e.context.location).toMatchObject({ line, column })
    expect(e.message).toContain(`line ${line}, column ${column}`)
    if (caret !== undefined) expect(e.message).toContain(caret)
  })

  it('names the file when given one', () => {
    expect(() => parse('SELECT', { fileName: 'app.sql' })).toThrow(/at app.sql:line 1, column 7/)
  })

  it('reports an unfinished WHERE before WITH (...) there, not as a call of a function named WITH', () => {
    const e = syntaxError("CREATE STREAM o AS SELECT a FROM t WHERE\nWITH ('t.uri' = 'file:./t.csv')")
    expect(e.code).toBe('FERRIS_SQL_SYNTAX')
    expect(e.message).toMatch(/^Expected an expression but found the keyword WITH at line 2, column 1/)
    expect(e.context.hint).toMatch(/Complete the expression before WITH/)
  })

  it('quotes the offending line with a caret under the token', () => {
    const e = syntaxError('SELECT a\nFROM t\nWHERE a = = 1')
    expect(e.message).toBe(
      'Expected an expression but found "=" at line 3, column 11\n  3 | WHERE a = = 1\n    |           ^',
    )
  })
})
