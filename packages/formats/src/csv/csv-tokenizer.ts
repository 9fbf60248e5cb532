import type { CsvDialect } from './csv-dialect.js'

const LF = 0x0a
const CR = 0x0d
/** A byte above 0x7f in a chunk decoded as latin1. */
const HIGH_BYTE = /[\u0080-\u00ff]/g

/** Receives what the tokenizer finds, in input order. */
export interface CsvTokenSink {
  /**
   * One record: its fields as text, whether each was quoted, its byte range and the line it starts on. The
   * `quoted` array may be shared between records: read it during the call, do not keep it.
   */
  record(fields: string[], quoted: boolean[], start: number, end: number, line: number): void
  /** A malformed record, skipped up to the next line break: what is wrong and its raw text. */
  malformed(message: string, start: number, end: number, line: number, raw: string): void
}

/**
 * Splits CSV bytes into records of text fields, incrementally: quoted fields with delimiters, doubled or
 * escaped quotes and line breaks; LF, CRLF and bare CR line ends; a UTF-8 byte-order mark at offset 0.
 * Offsets are exact byte offsets, so a reader can resume at any record boundary.
 *
 * Why not csv-parse: its `skip_records_with_error` does not resynchronise after a bad closing quote (it read
 * the rest of the file as one quoted field in our test), and its `raw` text and `info.bytes` are not enough to
 * give each bad record its exact bytes. Scanning bytes here keeps recovery and offsets exact.
 */
export class CsvTokenizer {
  readonly #d: CsvDialect
  readonly #maxRecordBytes: number
  readonly #sink: CsvTokenSink
  readonly #unescape: (text: string) => string
  #pending: Uint8Array = new Uint8Array(0)
  /** Absolute offset of `#pending[0]`. */
  #base: number
  #line: number
  #atStart: boolean
  /** After an over-long record: drop bytes until the next line break. */
  #skipping: { start: number; line: number; raw: string } | undefined
  // Field byte ranges of the record being scanned, reused across records.
  readonly #fs: number[] = []
  readonly #fe: number[] = []
  readonly #fq: boolean[] = []
  readonly #fx: boolean[] = []
  // The record being handed over, so a sink that rejects it can ask for its raw text without a copy per record.
  #lastBuf: Buffer | undefined
  #lastStart = 0
  #lastEnd = 0
  readonly #delimiterText: string
  readonly #quoteText: string | undefined
  // Where the fast path saw the next quote, CR and delimiter in the text being scanned (-1: not looked yet),
  // so each is searched for once per chunk however many records the byte scanner reads in between.
  #quoteAt = -1
  #crAt = -1
  #delimiterAt = -1
  /** Where the fast path saw the next byte above 0x7f (part of a UTF-8 sequence), -1: not looked yet. */
  #highAt = -1
  /** `#unquoted[n]`: n falses, the `quoted` of every record the fast path hands over. */
  readonly #unquoted: boolean[][] = []

  constructor(
    dialect: CsvDialect,
    sink: CsvTokenSink,
    startOffset = 0,
    startLine = 1,
    maxRecordBytes = 16 * 1024 * 1024,
  ) {
    this.#d = dialect
    this.#sink = sink
    this.#base = startOffset
    this.#line = startLine
    this.#atStart = startOffset === 0
    this.#maxRecordBytes = maxRecordBytes
    const q = String.fromCharCode(dialect.quote)
    this.#delimiterText = String.fromCharCode(dialect.delimiter)
    this.#quoteText = dialect.quote < 0 ? undefined : q
    const e = String.fromCharCode(dialect.escape)
    if (dialect.quote < 0) this.#unescape = (t) => t
    else if (dialect.escape === dialect.quote) this.#unescape = (t) => t.replaceAll(q + q, q)
    else {
      const re = new RegExp(`${escapeRegExp(e)}([\\s\\S])`, 'g')
      this.#unescape = (t) => t.replace(re, '$1')
    }
  }

  /** Offset just after the last record handed to the sink. */
  get offset(): number {
    return this.#base
  }

  get line(): number {
    return this.#line
  }

  /** The raw text of the record being handed to `CsvTokenSink.record`; valid only during that call. */
  lastRaw(): string {
    return this.#lastBuf === undefined ? '' : this.#lastBuf.toString('utf8', this.#lastStart, this.#lastEnd)
  }

  push(chunk: Uint8Array): void {
    this.#scan(concat(this.#pending, chunk), false)
  }

  end(): void {
    this.#scan(this.#pending, true)
    this.#pending = new Uint8Array(0)
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
        this.#base += 3
      }
    }
    if (this.#skipping !== undefined) p = this.#skipToLineEnd(b, p, final)
    // Decoded as latin1, one character per byte, so string indexes are byte offsets: the delimiter, quote, CR and
    // LF are ASCII and never occur inside a UTF-8 sequence, so searching this text finds them exactly; fields of
    // a line holding other bytes are decoded from the bytes as UTF-8 (`#plainRecords`).
    const text = p < b.length && this.#skipping === undefined ? b.toString('latin1') : undefined
    this.#quoteAt = -1
    this.#crAt = -1
    this.#delimiterAt = -1
    this.#highAt = -1
    while (p < b.length && this.#skipping === undefined) {
      if (text !== undefined) {
        p = this.#plainRecords(b, text, p)
        if (p >= b.length) break
      }
      const next = this.#record(b, p, final)
      if (next < 0) break
      this.#base += next - p
      p = next
    }
    this.#pending = b.subarray(p)
    if (!final && this.#pending.length > this.#maxRecordBytes && this.#skipping === undefined) {
      // Limitation: a record longer than max_record_bytes (usually an unclosed quote) is reported bad and
      // skipped to the next line break, so memory stays bounded; a genuine record that long cannot be read.
      this.#skipping = { start: this.#base, line: this.#line, raw: b.toString('utf8', p, p + 200) }
      this.#pending = new Uint8Array(0)
      this.#base += b.length - p
    }
  }

  #skipToLineEnd(b: Buffer, p: number, final: boolean): number {
    const skip = this.#skipping!
    const lf = b.indexOf(LF, p)
    if (lf < 0 && !final) {
      this.#base += b.length - p
      return b.length
    }
    const end = lf < 0 ? b.length : lf + 1
    this.#base += end - p
    this.#skipping = undefined
    this.#sink.malformed(
      `The record is longer than ${this.#maxRecordBytes} bytes (an unclosed quote?); skipped to the next line break`,
      skip.start,
      this.#base,
      skip.line,
      skip.raw,
    )
    this.#line = skip.line + 1

    return end
  }

  /**
   * The fast path, over the chunk decoded as latin1 (string indexes are byte offsets): hands over every complete
   * record from `p` on that has no quote character, no bare CR and is not empty, slicing its fields straight out
   * of the decoded chunk (or decoding them as UTF-8 when the line holds bytes above 0x7f). Returns where it stopped: the first record the byte scanner must read, or the end
   * of the input.
   */
  #plainRecords(b: Buffer, text: string, p: number): number {
    const n = text.length
    const quote = this.#quoteText
    const delimiter = this.#delimiterText
    let quoteAt = quote === undefined ? n : this.#quoteAt
    let crAt = this.#crAt
    let delimiterAt = this.#delimiterAt
    let highAt = this.#highAt
    while (p < n) {
      const lf = text.indexOf('\n', p)
      if (lf < 0) break
      if (quoteAt < p) {
        quoteAt = text.indexOf(quote!, p)
        if (quoteAt < 0) quoteAt = n
      }
      if (quoteAt < lf) break
      if (crAt < p) {
        crAt = text.indexOf('\r', p)
        if (crAt < 0) crAt = n
      }
      let contentEnd = lf
      if (crAt < lf) {
        if (crAt !== lf - 1) break
        contentEnd = crAt
      }
      if (contentEnd === p) break
      if (highAt < p) {
        HIGH_BYTE.lastIndex = p
        highAt = HIGH_BYTE.exec(text)?.index ?? n
      }
      // A line with bytes above 0x7f holds UTF-8 text: its fields are decoded from the bytes, not sliced.
      const utf8 = highAt < contentEnd
      const fields: string[] = []
      for (let s = p; ; ) {
        if (delimiterAt < s) {
          delimiterAt = text.indexOf(delimiter, s)
          if (delimiterAt < 0) delimiterAt = n
        }
        const e = Math.min(delimiterAt, contentEnd)
        fields.push(utf8 ? b.toString('utf8', s, e) : text.slice(s, e))
        if (e === contentEnd) break
        s = delimiterAt + 1
      }
      const count = fields.length
      this.#unquoted[count] ??= new Array<boolean>(count).fill(false)
      const quoted = this.#unquoted[count]!
      const line = this.#line
      const start = this.#base
      const size = lf + 1 - p
      this.#line++
      this.#lastBuf = b
      this.#lastStart = p
      this.#lastEnd = contentEnd
      this.#sink.record(fields, quoted, start, start + size, line)
      this.#base += size
      p = lf + 1
    }
    this.#quoteAt = quoteAt
    this.#crAt = crAt
    this.#delimiterAt = delimiterAt
    this.#highAt = highAt

    return p
  }

  /** Scans one record starting at `p`. Returns the offset after it, or -1 when more bytes are needed. */
  #record(b: Buffer, p: number, final: boolean): number {
    const n = b.length
    const D = this.#d.delimiter
    const Q = this.#d.quote
    const E = this.#d.escape
    const fs = this.#fs
    const fe = this.#fe
    const fq = this.#fq
    const fx = this.#fx
    fs.length = 0
    fe.length = 0
    fq.length = 0
    fx.length = 0
    let i = p
    let newlines = 0
    const c0 = b[i]
    // An empty line is no record.
    if (c0 === LF) {
      this.#line++
      return i + 1
    }
    if (c0 === CR) {
      if (i + 1 >= n && !final) return -1
      this.#line++
      return b[i + 1] === LF ? i + 2 : i + 1
    }
    for (;;) {
      if (i >= n && !final) return -1
      if (i < n && b[i] === Q) {
        i++
        const s = i
        let escaped = false
        let close = -1
        while (close < 0) {
          if (i >= n) {
            if (!final) return -1
            // The quote never closes, so nothing after it can be told apart from the field's text. Report the
            // record up to the end of the line the quote opens on and read on from the next line, as an
            // over-long record is skipped: one stray quote must not take every later record with it.
            const lf = b.indexOf(LF, s)
            const end = lf < 0 ? n : lf + 1
            let lines = 0
            for (let k = b.indexOf(LF, p); k >= 0 && k < end; k = b.indexOf(LF, k + 1)) lines++

            return this.#malformed(
              b,
              p,
              end,
              lines,
              `A quoted field opened at byte ${this.#base + (s - 1 - p)} is not closed before the end of the input; this line is skipped and reading goes on at the next one (check for a stray ${JSON.stringify(String.fromCharCode(Q))})`,
            )
          }
          const c = b[i]
          if (c === Q) {
            if (E === Q) {
              if (i + 1 >= n && !final) return -1
              if (b[i + 1] === Q) {
                escaped = true
                i += 2
                continue
              }
            }
            close = i
            i++
          } else if (c === E) {
            if (i + 1 >= n && !final) return -1
            escaped = true
            if (b[i + 1] === LF) newlines++
            i += 2
          } else {
            if (c === LF) newlines++
            i++
          }
        }
        fs.push(s)
        fe.push(close)
        fq.push(true)
        fx.push(escaped)
        if (i >= n) {
          if (!final) return -1
          return this.#emit(b, p, n, n, newlines)
        }
        const c = b[i]!
        if (c === D) {
          i++
          continue
        }
        if (c === LF) return this.#emit(b, p, i, i + 1, newlines + 1)
        if (c === CR) {
          if (i + 1 >= n && !final) return -1
          return this.#emit(b, p, i, b[i + 1] === LF ? i + 2 : i + 1, newlines + 1)
        }
        // Text after a closing quote: skip to the end of the line and report the record.
        let lf = b.indexOf(LF, i)
        if (lf < 0) {
          if (!final) return -1
          lf = n - 1
        }

        return this.#malformed(
          b,
          p,
          lf + 1,
          newlines + (b[lf] === LF ? 1 : 0),
          `Unexpected ${JSON.stringify(String.fromCharCode(c))} after the closing quote of field ${fs.length} (byte ${this.#base + (i - p)}): a quote inside a quoted field must be ${E === Q ? 'doubled ("")' : `escaped with ${JSON.stringify(String.fromCharCode(E))}`}`,
        )
      }
      const s = i
      while (i < n) {
        const c = b[i]
        if (c === D || c === LF || c === CR) break
        i++
      }
      if (i >= n && !final) return -1
      fs.push(s)
      fe.push(i)
      fq.push(false)
      fx.push(false)
      if (i >= n) return this.#emit(b, p, n, n, newlines)
      const c = b[i]
      if (c === D) {
        i++
        continue
      }
      if (c === LF) return this.#emit(b, p, i, i + 1, newlines + 1)
      if (i + 1 >= n && !final) return -1

      return this.#emit(b, p, i, b[i + 1] === LF ? i + 2 : i + 1, newlines + 1)
    }
  }

  /** Decodes the fields of the record in `b[p, contentEnd)`, hands it over, and returns `end`. */
  #emit(b: Buffer, p: number, contentEnd: number, end: number, newlines: number): number {
    const text = b.toString('utf8', p, contentEnd)
    const ascii = text.length === contentEnd - p
    const count = this.#fs.length
    const fields = new Array<string>(count)
    const quoted = new Array<boolean>(count)
    for (let k = 0; k < count; k++) {
      const s = this.#fs[k]!
      const e = this.#fe[k]!
      let f = ascii ? text.slice(s - p, e - p) : b.toString('utf8', s, e)
      if (this.#fx[k]) f = this.#unescape(f)
      fields[k] = f
      quoted[k] = this.#fq[k]!
    }
    const line = this.#line
    this.#line += newlines
    this.#lastBuf = b
    this.#lastStart = p
    this.#lastEnd = contentEnd
    this.#sink.record(fields, quoted, this.#base, this.#base + (end - p), line)

    return end
  }

  #malformed(b: Buffer, p: number, end: number, newlines: number, message: string): number {
    const line = this.#line
    this.#line += newlines
    this.#sink.malformed(
      message,
      this.#base,
      this.#base + (end - p),
      line,
      b.toString('utf8', p, end).replace(/\r?\n$/, ''),
    )

    return end
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)

  return out
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
