import { describe, expect, it } from 'vitest'
import { qualifiedName, quoteIdentifier, quoteString } from '../../src/sql/quote.js'

describe('[clickhouse] quoting', () => {
  it('quotes identifiers with backticks and escapes backticks and backslashes', () => {
    expect(quoteIdentifier('plain')).toBe('`plain`')
    expect(quoteIdentifier('a`b')).toBe('`a\\`b`')
    expect(quoteIdentifier('x\\`; DROP TABLE t; --')).toBe('`x\\\\\\`; DROP TABLE t; --`')
    expect(quoteIdentifier('line\nbreak\0')).toBe('`line\\nbreak\\0`')
  })

  it('quotes string literals with backslash escapes', () => {
    expect(quoteString("it's")).toBe("'it\\'s'")
    expect(quoteString("\\'; DROP TABLE t; --")).toBe("'\\\\\\'; DROP TABLE t; --'")
  })

  it('qualifies a table with its database', () => {
    expect(qualifiedName('db', 't`1')).toBe('`db`.`t\\`1`')
  })
})
