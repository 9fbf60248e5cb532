import type { SourceText } from '../parser/source-text.js'
import type { Token, TokenKind } from './token.js'

/** Units a duration literal (`5m`) may carry, longest first so `ms` wins over `m`. */
export const DURATION_UNITS = ['ms', 'us', 'ns', 'd', 'h', 'm', 's'] as const

const OPERATORS = ['<=>', '::', '||', '<>', '!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%']
const PUNCTUATION = new Set(['(', ')', ',', '.', ';', '[', ']'])

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/**
 * Splits SQL text into tokens. Comments (`-- ...` to the end of the line, `/* ... *\/`) and white space are
 * dropped. Strings use SQL's doubled quote (`'it''s'`); `E'...'` strings also take backslash escapes.
 */
export function tokenize(source: SourceText): Token[] {
  const text = source.text
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, start: number, end: number, value: string) => {
    tokens.push({ kind, text: text.slice(start, end), value, start, end })
  }

  while (i < text.length) {
    const c = text.charCodeAt(i)
    // white space
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      i++
      continue
    }
    // -- comment
    if (c === 45 && text.charCodeAt(i + 1) === 45) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++
      continue
    }
    // /* comment */
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2)
      if (close < 0) {
        throw source.error('FERRIS_SQL_SYNTAX', { start: i, end: i + 2 }, 'Unterminated comment', {
          value: '/*',
          expected: 'a closing */',
          hint: 'Close the comment with */',
        })
      }
      i = close + 2
      continue
    }
    const start = i
    // E'...' escape string
    if ((c === 69 || c === 101) && text.charCodeAt(i + 1) === 39) {
      const [value, end] = readString(source, i + 1, true)
      push('string', start, end, value)
      i = end
      continue
    }
    if (isIdentStart(c)) {
      i++
      while (i < text.length && isIdentPart(text.charCodeAt(i))) i++
      push('identifier', start, i, text.slice(start, i))
      continue
    }
    if (c === 39) {
      const [value, end] = readString(source, i, false)
      push('string', start, end, value)
      i = end
      continue
    }
    if (c === 34 || c === 96) {
      const quote = text[i]!
      let value = ''
      i++
      for (;;) {
        if (i >= text.length) {
          throw source.error('FERRIS_SQL_SYNTAX', { start, end: start + 1 }, 'Unterminated quoted identifier', {
            value: text.slice(start, Math.min(text.length, start + 20)),
            expected: `a closing ${quote}`,
            hint: `Close the identifier with ${quote}; write ${quote}${quote} for a ${quote} inside it`,
          })
        }
        if (text[i] === quote) {
          if (text[i + 1] === quote) {
            value += quote
            i += 2
            continue
          }
          i++
          break
        }
        value += text[i]
        i++
      }
      if (value === '') {
        throw source.error('FERRIS_SQL_SYNTAX', { start, end: i }, 'Empty quoted identifier', {
          value: text.slice(start, i),
          hint: 'A quoted identifier needs at least one character',
        })
      }
      push('quoted_identifier', start, i, value)
      continue
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let kind: TokenKind = 'integer'
      while (isDigit(text.charCodeAt(i)) || text[i] === '_') i++
      if (text[i] === '.' && isDigit(text.charCodeAt(i + 1))) {
        kind = 'decimal'
        i++
        while (isDigit(text.charCodeAt(i))) i++
      } else if (text[i] === '.' && !isIdentStart(text.charCodeAt(i + 1))) {
        // `1.` is a decimal; `t.1` never reaches here
        kind = 'decimal'
        i++
      }
      if ((text[i] === 'e' || text[i] === 'E') && /^[eE][+-]?\d/.test(text.slice(i, i + 3))) {
        kind = 'float'
        i += text[i + 1] === '+' || text[i + 1] === '-' ? 2 : 1
        while (isDigit(text.charCodeAt(i))) i++
      }
      const digits = text.slice(start, i).replaceAll('_', '')
      if (kind === 'integer' && isIdentStart(text.charCodeAt(i))) {
        // A duration literal such as 5m, 30s, 100ms: the unit must be the whole identifier that follows.
        let j = i
        while (j < text.length && isIdentPart(text.charCodeAt(j))) j++
        const unit = text.slice(i, j).toLowerCase()
        if ((DURATION_UNITS as readonly string[]).includes(unit)) {
          push('duration', start, j, `${digits}${unit}`)
          i = j
          continue
        }
        throw source.error('FERRIS_SQL_SYNTAX', { start, end: j }, `Malformed number "${text.slice(start, j)}"`, {
          value: text.slice(start, j),
          expected: `a number, or a duration such as 5m, 30s, 100ms (units: ${DURATION_UNITS.join(', ')})`,
          hint: 'Put a space between a number and a name',
        })
      }
      push(kind, start, i, digits)
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i))
    if (op !== undefined) {
      i += op.length
      push('operator', start, i, op)
      continue
    }
    if (PUNCTUATION.has(text[i]!)) {
      i++
      push('punctuation', start, i, text[start]!)
      continue
    }
    throw source.error('FERRIS_SQL_SYNTAX', { start, end: start + 1 }, `Unexpected character "${text[i]}"`, {
      value: text[i]!,
      hint: 'Strings go in single quotes, identifiers with special characters in double quotes',
    })
  }
  tokens.push({ kind: 'eof', text: '', value: '', start: text.length, end: text.length })

  return tokens
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

function readString(source: SourceText, quoteAt: number, escapes: boolean): [string, number] {
  const text = source.text
  let value = ''
  let i = quoteAt + 1
  for (;;) {
    if (i >= text.length) {
      throw source.error('FERRIS_SQL_SYNTAX', { start: quoteAt, end: quoteAt + 1 }, 'Unterminated string', {
        value: text.slice(quoteAt, Math.min(text.length, quoteAt + 20)),
        expected: "a closing '",
        hint: "Close the string with '; write '' for a quote inside it",
      })
    }
    const ch = text[i]!
    if (ch === "'") {
      if (text[i + 1] === "'") {
        value += "'"
        i += 2
        continue
      }

      return [value, i + 1]
    }
    if (escapes && ch === '\\') {
      const next = text[i + 1]
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16))
        i += 6
        continue
      }
      const mapped = next === undefined ? undefined : ESCAPES[next]
      if (mapped === undefined) {
        throw source.error('FERRIS_SQL_SYNTAX', { start: i, end: i + 2 }, `Unknown escape "\\${next ?? ''}"`, {
          value: `\\${next ?? ''}`,
          expected: 'one of \\n \\t \\r \\b \\f \\0 \\\\ \\\' \\" \\uXXXX',
        })
      }
      value += mapped
      i += 2
      continue
    }
    value += ch
    i++
  }
}
