import { FerrisError } from '@ferris/core'
import { formatLsn } from './positions.js'

/** A column value in a pgoutput tuple: text, NULL, or the marker for an unchanged TOAST value. */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast')
export type TupleValue = string | null | typeof UNCHANGED_TOAST

export interface RelationColumn {
  readonly name: string
  readonly typeOid: number
  readonly typmod: number
  /** Part of the replica identity key. */
  readonly key: boolean
}

export interface Relation {
  readonly oid: number
  readonly schema: string
  readonly name: string
  /** d(efault), n(othing), f(ull), i(ndex) */
  readonly replicaIdentity: string
  readonly columns: readonly RelationColumn[]
}

export type PgoutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: string; readonly commitTime: bigint; readonly xid: number }
  | { readonly tag: 'commit'; readonly commitLsn: string; readonly endLsn: string; readonly commitTime: bigint }
  | { readonly tag: 'relation'; readonly relation: Relation }
  | { readonly tag: 'insert'; readonly relation: Relation; readonly new: TupleValue[] }
  | {
      readonly tag: 'update'
      readonly relation: Relation
      /** The old row: all columns with REPLICA IDENTITY FULL ('O'), key columns only ('K'), or absent. */
      readonly old: TupleValue[] | undefined
      readonly oldIsKeyOnly: boolean
      readonly new: TupleValue[]
    }
  | { readonly tag: 'delete'; readonly relation: Relation; readonly old: TupleValue[]; readonly oldIsKeyOnly: boolean }
  | { readonly tag: 'truncate'; readonly relations: Relation[] }
  | { readonly tag: 'other'; readonly type: string }

/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_MICROS = 946_684_800_000_000n

/**
 * Decodes pgoutput protocol version 1 messages (PostgreSQL's logical replication format), keeping every
 * value as the text the server sent, so values are typed by our own decoders (exact, time-zone independent)
 * and never by `pg`'s process-wide type parsers. Relations are remembered by OID, as the protocol requires.
 */
export class PgoutputDecoder {
  readonly #relations = new Map<number, Relation>()

  decode(buf: Buffer): PgoutputMessage {
    const r = new Reader(buf)
    const tag = String.fromCharCode(r.u8())
    switch (tag) {
      case 'B':
        return { tag: 'begin', finalLsn: r.lsn(), commitTime: r.time(), xid: r.u32() }
      case 'C': {
        r.u8() // flags, unused
        return { tag: 'commit', commitLsn: r.lsn(), endLsn: r.lsn(), commitTime: r.time() }
      }
      case 'R': {
        const oid = r.u32()
        const schema = r.cstring()
        const name = r.cstring()
        const replicaIdentity = String.fromCharCode(r.u8())
        const n = r.i16()
        const columns: RelationColumn[] = []
        for (let i = 0; i < n; i++) {
          const flags = r.u8()
          columns.push({ key: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typmod: r.i32() })
        }
        const relation: Relation = { oid, schema, name, replicaIdentity, columns }
        this.#relations.set(oid, relation)

        return { tag: 'relation', relation }
      }
      case 'I': {
        const relation = this.#relation(r.u32())
        r.expect('N')

        return { tag: 'insert', relation, new: r.tuple() }
      }
      case 'U': {
        const relation = this.#relation(r.u32())
        let sub = String.fromCharCode(r.u8())
        let old: TupleValue[] | undefined
        let oldIsKeyOnly = false
        if (sub === 'K' || sub === 'O') {
          old = r.tuple()
          oldIsKeyOnly = sub === 'K'
          sub = String.fromCharCode(r.u8())
        }
        if (sub !== 'N') throw protocolError(`update without a new tuple (${sub})`)

        return { tag: 'update', relation, old, oldIsKeyOnly, new: r.tuple() }
      }
      case 'D': {
        const relation = this.#relation(r.u32())
        const sub = String.fromCharCode(r.u8())
        if (sub !== 'K' && sub !== 'O') throw protocolError(`delete without an old tuple (${sub})`)

        return { tag: 'delete', relation, old: r.tuple(), oldIsKeyOnly: sub === 'K' }
      }
      case 'T': {
        const n = r.u32()
        r.u8() // options
        const relations: Relation[] = []
        for (let i = 0; i < n; i++) relations.push(this.#relation(r.u32()))

        return { tag: 'truncate', relations }
      }
      default:
        // 'O' origin, 'Y' type, 'M' message: nothing a table source needs.
        return { tag: 'other', type: tag }
    }
  }

  #relation(oid: number): Relation {
    const relation = this.#relations.get(oid)
    if (relation === undefined) throw protocolError(`a change for relation ${oid} came before its Relation message`)

    return relation
  }
}

class Reader {
  #at = 0
  readonly #buf: Buffer

  constructor(buf: Buffer) {
    this.#buf = buf
  }

  u8(): number {
    return this.#buf.readUInt8(this.#at++)
  }

  i16(): number {
    const v = this.#buf.readInt16BE(this.#at)
    this.#at += 2

    return v
  }

  u32(): number {
    const v = this.#buf.readUInt32BE(this.#at)
    this.#at += 4

    return v
  }

  i32(): number {
    const v = this.#buf.readInt32BE(this.#at)
    this.#at += 4

    return v
  }

  lsn(): string {
    const v = this.#buf.readBigUInt64BE(this.#at)
    this.#at += 8

    return formatLsn(v)
  }

  /** Commit time as epoch nanoseconds. */
  time(): bigint {
    const micros = this.#buf.readBigInt64BE(this.#at)
    this.#at += 8

    return (micros + PG_EPOCH_MICROS) * 1000n
  }

  cstring(): string {
    const end = this.#buf.indexOf(0, this.#at)
    if (end < 0) throw protocolError('unterminated string')
    const s = this.#buf.toString('utf8', this.#at, end)
    this.#at = end + 1

    return s
  }

  expect(tag: string): void {
    const got = String.fromCharCode(this.u8())
    if (got !== tag) throw protocolError(`expected '${tag}', got '${got}'`)
  }

  tuple(): TupleValue[] {
    const n = this.i16()
    const out: TupleValue[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const kind = String.fromCharCode(this.u8())
      if (kind === 'n') out[i] = null
      else if (kind === 'u') out[i] = UNCHANGED_TOAST
      else if (kind === 't') {
        const len = this.i32()
        out[i] = this.#buf.toString('utf8', this.#at, this.#at + len)
        this.#at += len
      } else throw protocolError(`unknown tuple value kind '${kind}'`)
    }

    return out
  }
}

function protocolError(what: string): FerrisError {
  return new FerrisError('FERRIS_SERVER_ERROR', `pgoutput: ${what}`, { retryable: false })
}
