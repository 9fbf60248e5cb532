import { FerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { MAX_EXPRESSION_DEPTH, parse, parseExpression } from '../../src/parser/parser.js'

function syntaxError(sql: string): FerrisError {
  try {
    parse(sql)
  } catch (error) {
    return error as FerrisError
  }
  throw new Error('parsed')
}

describe('expression nesting limit', () => {
  const cases: Array<[string, string]> = [
    ['1000 parentheses', `${'('.repeat(1000)}1${')'.repeat(1000)}`],
    ['3000 chained +', Array.from({ length: 3001 }, () => 'a').join(' + ')],
    ['20000 nested calls', `${'abs('.repeat(20000)}1${')'.repeat(20000)}`],
    ['50000 NOTs', `${'NOT '.repeat(50000)}TRUE`],
    ['3000 chained OR', Array.from({ length: 3001 }, () => 'a = 1').join(' OR ')],
  ]
  for (const [name, expr] of cases) {
    it(`refuses ${name} with FERRIS_SQL_SYNTAX and a position`, () => {
      const error = syntaxError(`CREATE STREAM o AS SELECT ${expr} AS x FROM t`)
      expect(error).toBeInstanceOf(FerrisError)
      expect(error.code).toBe('FERRIS_SQL_SYNTAX')
      expect(error.message).toContain(`nested too deeply (more than ${MAX_EXPRESSION_DEPTH} levels)`)
      expect(error.context.location).toMatchObject({ line: 1 })
    })
  }

  it('accepts nesting up to the limit', () => {
    expect(() => parseExpression(`${'('.repeat(100)}1${')'.repeat(100)}`)).not.toThrow()
    expect(() => parseExpression(Array.from({ length: 200 }, () => 'a').join(' + '))).not.toThrow()
  })
})
