import { FerrisError, type Position } from '@ferris/core'

/** How far one file has been read. */
export interface FileProgress {
  /**
   * Byte offset after the last record handed over (in decompressed bytes for a compressed file); for a
   * Parquet file (`unit: "row"`), the index of the next row.
   */
  readonly offset: number
  /** `row` for Parquet files, whose offset counts rows; absent for byte offsets. */
  readonly unit?: 'row'
  /** Line number at `offset`, so bad records keep their true line after a restart. */
  readonly line: number
  /** The file was read to its end (bounded mode, or a compressed file): it is not opened again. */
  readonly done: boolean
}

/**
 * A file source's position, as stored in checkpoints:
 * `{ "files": { "2024/01.csv": { "offset": 1234, "line": 57, "done": false } } }`; a Parquet file's entry
 * counts rows: `{ "offset": 500000, "line": 1, "done": false, "unit": "row" }`. Keys are paths relative to
 * the source's directory (the file's own directory, the directory, or a glob's fixed prefix), with `/`, so a
 * data folder can move. Offsets are plain JSON numbers: exact up to 2^53 bytes.
 */
export interface FilePosition {
  readonly files: Readonly<Record<string, FileProgress>>
}

export function toPosition(files: ReadonlyMap<string, FileProgress>): Position {
  const out: Record<string, { offset: number; line: number; done: boolean; unit?: 'row' }> = {}
  for (const [k, p] of files) {
    out[k] =
      p.unit === 'row'
        ? { offset: p.offset, line: p.line, done: p.done, unit: 'row' }
        : { offset: p.offset, line: p.line, done: p.done }
  }

  return { files: out }
}

/** Reads a position back; throws FERRIS_CONFIG_INVALID saying what is wrong with one that is not ours. */
export function fromPosition(position: Position, subject: string): Map<string, FileProgress> {
  const files = new Map<string, FileProgress>()
  const fail = (why: string): never => {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `The position given to ${subject} is not a file source position: ${why}`,
      {
        subject,
        value: JSON.stringify(position)?.slice(0, 200),
        expected: '{ "files": { "<path>": { "offset": <bytes>, "line": <line>, "done": <boolean> } } }',
        hint: 'Resume from a checkpoint written by the same file source, or start without one',
      },
    )
  }
  if (position === null || typeof position !== 'object' || Array.isArray(position)) return fail('not an object')
  const map = (position as { files?: unknown }).files
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return fail('"files" is missing')
  for (const [file, p] of Object.entries(map as Record<string, unknown>)) {
    const { offset, line, done, unit } = (p ?? {}) as Record<string, unknown>
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`"${file}" has no valid offset`)
    files.set(file, {
      offset: offset as number,
      line: typeof line === 'number' && line >= 1 ? line : 1,
      done: done === true,
      ...(unit === 'row' ? { unit: 'row' as const } : {}),
    })
  }

  return files
}
