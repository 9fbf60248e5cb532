import { FerrisError, type Position } from '@ferris/core'

/** Position of a bounded snapshot (a table or query): how many rows were handed over, and whether all were. */
export type SnapshotPosition = {
  readonly mode: 'snapshot'
  /** Rows handed over, as a decimal string. */
  readonly rows: string
  readonly done: boolean
}

/**
 * Position of a change-capture source.
 * - `phase: 'snapshot'`: the initial snapshot is being read; `lsn` is the slot's consistent point.
 * - `phase: 'stream'`: `lsn` is the end LSN of the last transaction handed over completely; when a batch
 *   ended inside a transaction, `xid` names it and `skip` counts its rows already handed over.
 */
export type CdcPosition = {
  readonly mode: 'cdc'
  readonly slot: string
  readonly phase: 'snapshot' | 'stream'
  readonly lsn: string
  readonly xid?: number
  readonly skip?: number
  /**
   * A snapshot read in primary-key order: the snapshots it was read from, in order. The first is the slot's
   * own (at `lsn`); each restart inside the snapshot adds one taken at restart time for the keys after the
   * last one handed over. Kept in stream positions while changes older than the last of them can still come.
   */
  readonly snapshots?: readonly SnapshotSegment[]
  /** Phase `snapshot`, read in key order: the key (texts, in key-column order) of the last row handed over. */
  readonly after?: readonly string[]
}

/** Keys after `from` (all keys for the first) were read from a snapshot that sees the commits before `lsn`. */
export type SnapshotSegment = {
  readonly lsn: string
  readonly from?: readonly string[]
}

export function isCdcPosition(p: Position | undefined): p is CdcPosition {
  return typeof p === 'object' && p !== null && !Array.isArray(p) && (p as { mode?: unknown }).mode === 'cdc'
}

export function isSnapshotPosition(p: Position | undefined): p is SnapshotPosition {
  return typeof p === 'object' && p !== null && !Array.isArray(p) && (p as { mode?: unknown }).mode === 'snapshot'
}

export function invalidPosition(subject: string, p: Position, expected: string): FerrisError {
  return new FerrisError('FERRIS_CHECKPOINT_FAILED', `${subject}: the stored position does not belong to this source`, {
    subject,
    value: p,
    expected,
    hint: 'The checkpoint was taken with other options (cdc on or off, another slot); start the job without it',
  })
}

/** `16/B374D848` → 0x16B374D848. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text)
  if (m === null) {
    throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `${JSON.stringify(text)} is not a PostgreSQL LSN`, {
      value: text,
      expected: 'two hexadecimal numbers separated by a slash, e.g. 0/16B3748',
    })
  }

  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}
