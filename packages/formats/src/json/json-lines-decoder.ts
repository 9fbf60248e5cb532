import { FerrisError, isFerrisError } from '@ferris/core'
import { cutRaw, type DecodeBadRecord, type DecodedChunk, emptyChunk, type RecordDecoder } from '../decoder.js'
import { type JsonDecoderOptions, JsonRecordConverter, type RecordTextConverter } from './json-record.js'

const LF = 0x0a

/**
 * JSON lines: one JSON object per line. Blank lines are skipped, a trailing CR is ignored, a UTF-8
 * byte-order mark at offset 0 is skipped. Each malformed line is one bad record.
 */
export class JsonLinesDecoder implements RecordDecoder {
  readonly #file: string
  readonly #converter: RecordTextConverter
  #pending: Uint8Array = new Uint8Array(0)
  #offset: number
  #line: number
  #atStart: boolean
  #out: DecodedChunk = emptyChunk()

  constructor(options: JsonDecoderOptions) {
    this.#file = options.file
    this.#converter = options.converter ?? new JsonRecordConverter(options.schema)
    this.#offset = options.startOffset ?? 0
    this.#line = options.startLine ?? 1
    this.#atStart = this.#offset === 0
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

    return this.#take()
  }

  #take(): DecodedChunk {
    const out = this.#out
    this.#out = emptyChunk()

    return out
  }

  #scan(bytes: Uint8Array, final: boolean): void {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    let p = 0
    if (this.#atStart) {
      if (b.length < 3 && !final) {
        this.#pending = bytes
        return
      }
      this.#atStart = false
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
        p = 3
        this.#offset += 3
      }
    }
    while (p < b.length) {
      let lf = b.indexOf(LF, p)
      if (lf < 0) {
        if (!final) break
        lf = b.length
      }
      const end = Math.min(lf + 1, b.length)
      let contentEnd = lf
      if (contentEnd > p && b[contentEnd - 1] === 0x0d) contentEnd--
      const text = b.toString('utf8', p, contentEnd)
      const start = this.#offset
      this.#offset += end - p
      const line = this.#line
      if (lf < b.length) this.#line++
      p = end
      if (text.trim() === '') continue
      try {
        const row = this.#converter.convert(text)
        this.#out.rows.push(row)
        this.#out.ends.push(this.#offset)
        this.#out.lines.push(line)
        this.#out.starts.push(start)
        this.#out.endLines.push(this.#line)
      } catch (error) {
        this.#out.bad.push(
          badRecord(this.#file, this.#out.rows.length, line, start, this.#offset, this.#line, text, error),
        )
      }
    }
    this.#pending = b.subarray(p)
  }
}

export function badRecord(
  file: string,
  index: number,
  line: number,
  byte: number,
  end: number,
  endLine: number,
  raw: string,
  error: unknown,
): DecodeBadRecord {
  const e = isFerrisError(error) ? error : new FerrisError('FERRIS_RECORD_MALFORMED', String(error), { cause: error })
  const located = new FerrisError(e.code, `${e.message} (${file}, line ${line}, byte ${byte})`, {
    ...e.context,
    location: { file, line, byte },
    cause: e.cause ?? e,
  })

  return { index, file, line, byte, end, endLine, raw: cutRaw(raw), error: located }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)

  return out
}
