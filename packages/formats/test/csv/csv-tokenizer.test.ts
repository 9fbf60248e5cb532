import { describe, expect, it } from 'vitest'
import { csvDialect } from '../../src/csv/csv-dialect.js'
import { CsvTokenizer } from '../../src/csv/csv-tokenizer.js'

interface Token {
  fields: string[]
  quoted: boolean[]
  start: number
  end: number
  line: number
  raw: string
}

function tokenize(bytes: Buffer, cuts: number[]): Token[] {
  const out: Token[] = []
  const tokenizer: CsvTokenizer = new CsvTokenizer(csvDialect({}), {
    record(fields, quoted, start, end, line) {
      out.push({ fields: [...fields], quoted: [...quoted], start, end, line, raw: tokenizer.lastRaw() })
    },
    malformed(message) {
      throw new Error(message)
    },
  })
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    tokenizer.push(bytes.subarray(at, cut))
    at = cut
  }
  tokenizer.end()

  return out
}

/** An independent RFC 4180 reading of `text` (doubled quotes, LF, CRLF and bare CR line ends, empty lines skipped). */
function reference(text: string): Token[] {
  const out: Token[] = []
  const byteAt = (i: number) => Buffer.byteLength(text.slice(0, i))
  let i = 0
  let line = 1
  while (i < text.length) {
    if (text[i] === '\n' || text[i] === '\r') {
      i += text.startsWith('\r\n', i) ? 2 : 1
      line++
      continue
    }
    const start = i
    const startLine = line
    const fields: string[] = []
    const quoted: boolean[] = []
    for (;;) {
      let field = ''
      if (text[i] === '"') {
        i++
        for (;;) {
          if (text.startsWith('""', i)) {
            field += '"'
            i += 2
          } else if (text[i] === '"') {
            i++
            break
          } else {
            if (text[i] === '\n') line++
            field += text[i]
            i++
          }
        }
        quoted.push(true)
      } else {
        while (i < text.length && !',\r\n'.includes(text[i]!)) field += text[i++]
        quoted.push(false)
      }
      fields.push(field)
      if (text[i] === ',') {
        i++
        continue
      }
      break
    }
    const contentEnd = i
    if (i < text.length) i += text.startsWith('\r\n', i) ? 2 : 1
    line++
    out.push({
      fields,
      quoted,
      start: byteAt(start),
      end: byteAt(i),
      line: startLine,
      raw: text.slice(start, contentEnd),
    })
  }

  return out
}

describe('CsvTokenizer', () => {
  it('reads random CSV (quotes, CRLF, bare CR, empty lines, non-ASCII) as an RFC 4180 reading does, at any chunking', () => {
    let seed = 11
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const plain = ['a', 'bc', '42', '-1.5', '2024-01-01T00:00:00Z', '', 'Zürich', '東京', 'x y']
    const quotedTexts = ['"a,b"', '"say ""hi"""', '"two\nlines"', '""', '"é"']
    const ends = ['\n', '\n', '\n', '\r\n', '\r', '\n\n']
    for (let round = 0; round < 200; round++) {
      const ascii = round % 2 === 0
      let text = ''
      for (let r = 0, rows = 1 + next(30); r < rows; r++) {
        const cells = Array.from({ length: 1 + next(4) }, () => {
          const pick = next(10)
          if (pick < 2) return quotedTexts[next(quotedTexts.length)]!
          const p = plain[next(plain.length)]!

          return ascii ? p.replace(/[^\x20-\x7e]/g, 'u') : p
        })
        if (cells.length === 1 && cells[0] === '') cells[0] = 'z'
        text += cells.join(',') + (r === rows - 1 && next(3) === 0 ? '' : ends[next(ends.length)]!)
      }
      const bytes = Buffer.from(text)
      const expected = reference(text)
      const cuts = Array.from({ length: next(6) }, () => next(bytes.length + 1)).sort((a, b) => a - b)
      expect(tokenize(bytes, []), JSON.stringify(text)).toEqual(expected)
      expect(tokenize(bytes, cuts), `${JSON.stringify(text)} cut at ${cuts}`).toEqual(expected)
    }
  })
})
