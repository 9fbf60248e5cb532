import { FerrisError } from '@ferris/core'
import { type DecodedChunk, emptyChunk, type RecordDecoder } from '../decoder.js'
import { badRecord, concat } from './json-lines-decoder.js'
import { type JsonDecoderOptions, JsonRecordConverter, type RecordTextConverter } from './json-record.js'

const LF = 0x0a
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * A JSON array of objects (`[{...}, {...}]`), pretty-printed or not, decoded element by element without
 * holding the whole document. The offset after an element points past its comma, so a reader resumes at the
 * next element (a decoder started at an offset above 0 knows it is inside the array).
 */
export class JsonArrayDecoder implements RecordDecoder {
  readonly #file: string
  readonly #converter: RecordTextConverter
  #pending: Uint8Array = new Uint8Array(0)
  #offset: number
  #line: number
  /** before: expecting `[`; elements: inside the array; after: past `]`; skip: after text that is not JSON array. */
  #state: 'before' | 'elements' | 'after' | 'skip'
  /** What is being skipped, reported once at the end so that chunking does not change what is reported. */
  #skipped: { start: number; line: number; raw: string; message: string } | undefined
  #atStart: boolean
  #out: DecodedChunk = emptyChunk()

  constructor(options: JsonDecoderOptions) {
    this.#file = options.file
    this.#converter = options.converter ?? new JsonRecordConverter(options.schema)
    this.#offset = options.startOffset ?? 0
    this.#line = options.startLine ?? 1
    this.#atStart = this.#offset === 0
    this.#state = this.#offset === 0 ? 'before' : 'elements'
  }

  get offset(): number {
    return this.#offset
  }

  get line(): number {
    return this.#line
  }

  push(chunk: Uint8Array): DecodedChunk {
    this.#scan(concat(this.#pending, chunk), false)

    return this.#take()
  }

  end(): DecodedChunk {
    this.#scan(this.#pending, true)
    const skipped = this.#skipped
    if (skipped !== undefined) this.#bad(skipped.start, this.#offset, skipped.line, skipped.raw, skipped.message)
    else if (this.#state === 'elements') {
      this.#bad(
        this.#offset,
        this.#offset,
        this.#line,
        '',
        `The JSON array is not closed with "]" before the end of ${this.#file}`,
      )
    }
    this.#pending = new Uint8Array(0)

    return this.#take()
  }

  #take(): DecodedChunk {
    const out = this.#out
    this.#out = emptyChunk()

    return out
  }

  #bad(start: number, end: number, line: number, raw: string, message: string): void {
    this.#out.bad.push(
      badRecord(
        this.#file,
        this.#out.rows.length,
        line,
        start,
        end,
        this.#line,
        raw,
        new FerrisError('FERRIS_RECORD_MALFORMED', message),
      ),
    )
  }

  #startSkip(message: string): void {
    this.#state = 'skip'
    this.#skipped = { start: this.#offset, line: this.#line, raw: '', message }
  }

  /** Drops the rest of the input, keeping the first line (at most 200 characters) as the raw text. */
  #skip(b: Buffer, p: number): void {
    const skipped = this.#skipped!
    if (skipped.raw.length < 200 && !skipped.raw.includes('\n'))
      skipped.raw += b.toString('utf8', p, Math.min(b.length, p + 200))
    const lf = skipped.raw.indexOf('\n')
    if (lf >= 0) skipped.raw = skipped.raw.slice(0, lf)
    skipped.raw = skipped.raw.slice(0, 200)
    for (let i = b.indexOf(LF, p); i >= 0; i = b.indexOf(LF, i + 1)) this.#line++
    this.#offset += b.length - p
  }

  #scan(bytes: Uint8Array, final: boolean): void {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = b.length
    let p = 0
    if (this.#atStart) {
      if (n < 3 && !final) {
        this.#pending = bytes
        return
      }
      this.#atStart = false
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        p = 3
        this.#offset += 3
      }
    }
    for (;;) {
      // Skip white space, counting lines.
      while (p < n && isSpace(b[p]!)) {
        if (b[p] === LF) this.#line++
        p++
        this.#offset++
      }
      if (p >= n) break
      if (this.#state === 'skip') {
        this.#skip(b, p)
        p = n
        break
      }
      if (this.#state === 'before' && b[p] !== 0x5b) {
        this.#startSkip('A JSON array file must start with "["; for one object per line use format jsonl')
        continue
      }
      if (this.#state === 'before') {
        p++
        this.#offset++
        this.#state = 'elements'
        continue
      }
      if (this.#state === 'after') {
        this.#startSkip('Unexpected text after the closing "]" of the JSON array')
        continue
      }
      if (b[p] === 0x5d) {
        p++
        this.#offset++
        this.#state = 'after'
        continue
      }
      // One element: up to the comma or bracket at depth 0, outside strings.
      let i = p
      let depth = 0
      let inString = false
      let newlines = 0
      let sep = -1
      while (i < n) {
        const c = b[i]!
        if (inString) {
          if (c === BACKSLASH) i++
          else if (c === QUOTE) inString = false
          else if (c === LF) newlines++
        } else if (c === QUOTE) inString = true
        else if (c === 0x7b || c === 0x5b) depth++
        else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            sep = i
            break
          }
          depth--
        } else if (c === 0x2c && depth === 0) {
          sep = i
          break
        } else if (c === LF) newlines++
        i++
      }
      if (sep < 0 && !final) break
      const contentEnd = sep < 0 ? n : sep
      const end = sep >= 0 && b[sep] === 0x2c ? sep + 1 : contentEnd
      const text = b.toString('utf8', p, contentEnd)
      const start = this.#offset
      const line = this.#line
      this.#offset += end - p
      this.#line += newlines
      p = end
      if (text.trim() === '') {
        if (b[sep] === 0x2c) this.#bad(start, this.#offset, line, text, 'An empty element (",,") in the JSON array')
        continue
      }
      try {
        const row = this.#converter.convert(text)
        this.#out.rows.push(row)
        this.#out.ends.push(this.#offset)
        this.#out.lines.push(line)
        this.#out.starts.push(start)
        this.#out.endLines.push(this.#line)
      } catch (error) {
        this.#out.bad.push(
          badRecord(this.#file, this.#out.rows.length, line, start, this.#offset, this.#line, text.trim(), error),
        )
      }
      if (sep < 0) break
    }
    this.#pending = b.subarray(p)
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}
