import { FerrisError, type Position } from '@ferris/core'

/** How far one object has been read. */
export interface ObjectProgress {
  /**
   * Byte offset after the last record handed over (in decompressed bytes for a compressed object); for a
   * Parquet object (`unit: "row"`), the index of the next row.
   */
  readonly offset: number
  readonly unit?: 'row'
  /** Line number at `offset`, so bad records keep their true line after a restart. */
  readonly line: number
  /** The object was read to its end: it is not read again. */
  readonly done: boolean
  /** The object's ETag when reading started: a resumed read of a replaced object starts over. */
  readonly etag?: string
}

/**
 * An S3 source's position, as stored in checkpoints:
 * `{ "objects": { "events/2024-01-01.csv": { "offset": 1234, "line": 57, "done": false, "etag": "\"9b2c…\"" } } }`.
 * Keys are full object keys (the bucket is an option). A Parquet object's entry counts rows
 * (`"unit": "row"`). Offsets are plain JSON numbers, exact up to 2^53 bytes.
 */
export interface S3Position {
  readonly objects: Readonly<Record<string, ObjectProgress>>
}

export function toPosition(objects: ReadonlyMap<string, ObjectProgress>): Position {
  const out: Record<string, Record<string, string | number | boolean>> = {}
  for (const [k, p] of objects) {
    const entry: Record<string, string | number | boolean> = { offset: p.offset, line: p.line, done: p.done }
    if (p.unit === 'row') entry.unit = 'row'
    if (p.etag !== undefined && !p.done) entry.etag = p.etag
    out[k] = entry
  }

  return { objects: out }
}

/** Reads a position back; throws FERRIS_CONFIG_INVALID saying what is wrong with one that is not ours. */
export function fromPosition(position: Position, subject: string): Map<string, ObjectProgress> {
  const objects = new Map<string, ObjectProgress>()
  const fail = (why: string): never => {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `The position given to ${subject} is not an S3 source position: ${why}`,
      {
        subject,
        value: JSON.stringify(position)?.slice(0, 200),
        expected: '{ "objects": { "<key>": { "offset": <bytes>, "line": <line>, "done": <boolean> } } }',
        hint: 'Resume from a checkpoint written by the same S3 source, or start without one',
      },
    )
  }
  if (position === null || typeof position !== 'object' || Array.isArray(position)) return fail('not an object')
  const map = (position as { objects?: unknown }).objects
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return fail('"objects" is missing')
  for (const [key, p] of Object.entries(map as Record<string, unknown>)) {
    const { offset, line, done, unit, etag } = (p ?? {}) as Record<string, unknown>
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`"${key}" has no valid offset`)
    objects.set(key, {
      offset: offset as number,
      line: typeof line === 'number' && line >= 1 ? line : 1,
      done: done === true,
      ...(unit === 'row' ? { unit: 'row' as const } : {}),
      ...(typeof etag === 'string' ? { etag } : {}),
    })
  }

  return objects
}
