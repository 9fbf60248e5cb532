import type { FerrisError, Row, Schema } from '@ferris/core'

/**
 * The contract of a stream format (CSV, JSON lines, JSON arrays): a decoder is fed the bytes of one file or
 * object in order, in chunks of any size, and hands back whole records converted to a target schema.
 *
 * Positions are byte offsets into the (decompressed) input, so a reader that stored the offset after the last
 * record it handed over resumes mid-file by starting a new decoder at that offset. Malformed records are
 * returned as bad records beside the good ones; a decoder never throws for bad data. It throws only when the
 * input as a whole cannot match the schema (a CSV header naming none of its fields: FERRIS_SCHEMA_MISMATCH).
 */
export interface RecordDecoder {
  /** Decodes every record that the bytes so far complete; keeps the incomplete tail for the next call. */
  push(chunk: Uint8Array): DecodedChunk
  /** The input ended: decodes the last record (a final line without a newline) or reports it as malformed. */
  end(): DecodedChunk
  /** Byte offset just after the last record (good or bad) returned so far: where a restart resumes. */
  readonly offset: number
  /** 1-based line number at `offset`. */
  readonly line: number
}

/** Records decoded from one chunk, in input order. */
export interface DecodedChunk {
  readonly rows: Row[]
  /** `ends[i]` is the byte offset just after `rows[i]` (and its line terminator or separator). */
  readonly ends: number[]
  /** `lines[i]` is the 1-based line on which `rows[i]` starts. */
  readonly lines: number[]
  /** `starts[i]` is the byte offset at which `rows[i]` starts. */
  readonly starts: number[]
  /** `endLines[i]` is the line number at `ends[i]`: what a position stores to keep line numbers after a restart. */
  readonly endLines: number[]
  readonly bad: DecodeBadRecord[]
}

/** A record that could not be decoded, with everything a dead-letter entry needs. */
export interface DecodeBadRecord {
  /** How many good rows of the same chunk precede it: it sits between `rows[index - 1]` and `rows[index]`. */
  readonly index: number
  readonly file: string
  readonly line: number
  /** Byte offset where the record starts. */
  readonly byte: number
  /** Byte offset just after it. */
  readonly end: number
  /** Line number at `end`. */
  readonly endLine: number
  /** The record's text as it was in the input (decoded as UTF-8), cut to `maxRawLength`. */
  readonly raw: string
  readonly error: FerrisError
}

/** What every decoder is told. */
export interface DecoderOptions {
  /** The rows are converted to this schema; values that do not fit make the record bad. */
  readonly schema: Schema
  /** A path or `s3://bucket/key`, for bad records and messages. */
  readonly file: string
  /** Byte offset of the first byte the decoder is fed (0 unless resuming). */
  readonly startOffset?: number
  /** Line number at `startOffset` (1 unless resuming). */
  readonly startLine?: number
}

export function emptyChunk(): DecodedChunk {
  return { rows: [], ends: [], lines: [], starts: [], endLines: [], bad: [] }
}

/** Longest raw text kept in a bad record: enough to see what was wrong, bounded so a huge line cannot blow up memory. */
export const MAX_RAW_LENGTH = 64 * 1024

export function cutRaw(text: string): string {
  return text.length > MAX_RAW_LENGTH ? `${text.slice(0, MAX_RAW_LENGTH)}…` : text
}
