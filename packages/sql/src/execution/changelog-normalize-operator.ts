import {
  ChangeKind,
  FerrisError,
  type JsonValue,
  type RecordMeta,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'

/**
 * Turns an upsert changelog (a compacted Kafka topic read with `changelog=true`: an UPDATE_AFTER row replaces
 * whatever its key held, a DELETE row carries only the key) into a change stream whose retractions carry the
 * old row, which aggregates can take back: it keeps the last row of every key. An UPDATE_AFTER becomes an
 * INSERT (new key) or an UPDATE_BEFORE of the old row then the UPDATE_AFTER; a DELETE becomes a DELETE of the
 * old row, or nothing for a key it does not hold (deleting what is not there changes nothing).
 *
 * The key is the batch's `keyFields` (the source's key column) or else the record's own key
 * (`RecordMeta.key`, the Kafka message key). Memory: one row per live key, the whole table the changelog
 * describes. It sits first in the pipeline, so WHERE sees whole old rows rather than a tombstone's NULLs.
 */
export class ChangelogNormalizeOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #source: string
  readonly #onError: RowErrorHandler
  readonly #rows = new Map<unknown, { readonly key: Value; row: Row }>()

  constructor(schema: Schema, source: string, onError: RowErrorHandler) {
    this.schema = schema
    this.#source = source
    this.#onError = onError
  }

  /** Keys held. */
  get size(): number {
    return this.#rows.size
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta, kinds, keyFields } = batch
    const out: Row[] = []
    const outKinds: number[] = []
    const outMeta: Array<RecordMeta | undefined> = []
    const origin: number[] = []
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m = meta?.[i]
      const kind = kinds?.[i] ?? ChangeKind.INSERT
      const at = batch.origin === undefined ? i : batch.origin[i]!
      let key: Value
      try {
        key = this.#key(row, m, keyFields)
      } catch (error) {
        this.#onError(error, at, row)
        continue
      }
      const hash = hashKey(key)
      const held = this.#rows.get(hash)
      const push = (r: Row, k: number) => {
        out.push(r)
        outKinds.push(k)
        outMeta.push(m)
        origin.push(at)
      }
      if (kind === ChangeKind.DELETE) {
        if (held === undefined) continue
        this.#rows.delete(hash)
        push(held.row, ChangeKind.DELETE)
      } else if (kind === ChangeKind.UPDATE_BEFORE) {
        // An upsert changelog has none; one that comes is implied by the next UPDATE_AFTER of its key.
      } else if (held === undefined) {
        this.#rows.set(hash, { key, row })
        push(row, ChangeKind.INSERT)
      } else {
        push(held.row, ChangeKind.UPDATE_BEFORE)
        push(row, ChangeKind.UPDATE_AFTER)
        held.row = row
      }
    }

    return {
      schema: this.schema,
      rows: out,
      kinds: Uint8Array.from(outKinds),
      ...(meta === undefined ? {} : { meta: outMeta }),
      origin: Uint32Array.from(origin),
    }
  }

  #key(row: Row, meta: RecordMeta | undefined, keyFields: readonly number[] | undefined): Value {
    if (keyFields !== undefined && keyFields.length > 0) {
      return keyFields.length === 1 ? (row[keyFields[0]!] ?? null) : keyFields.map((f) => row[f] ?? null)
    }
    if (meta?.key !== undefined && meta.key !== null) return meta.key
    throw new FerrisError(
      'FERRIS_RECORD_MALFORMED',
      `A row of the upsert changelog ${this.#source} has no key, so it cannot replace an earlier row of its key`,
      {
        subject: this.#source,
        hint: "Give the messages a key, or name the key column (a Kafka source's key_column)",
      },
    )
  }

  snapshot(): JsonValue {
    return { rows: [...this.#rows.values()].map((e) => [encodeValue(e.key), e.row.map(encodeValue)]) }
  }

  restore(state: JsonValue): void {
    this.#rows.clear()
    for (const [k, row] of (state as { rows?: Array<[JsonValue, JsonValue[]]> } | null)?.rows ?? []) {
      const key = decodeValue(k)
      this.#rows.set(hashKey(key), { key, row: row.map(decodeValue) })
    }
  }
}
