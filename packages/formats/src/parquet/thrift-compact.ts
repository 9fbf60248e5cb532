import { FerrisError } from '@ferris/core'

/**
 * A generic reader and writer for Thrift's compact protocol, the encoding of a Parquet footer. It keeps every
 * field it does not know as it was, so a footer can be edited (offsets moved, row groups dropped) and written back
 * without a generated schema. See https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
 */

export const TType = {
  STOP: 0,
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftList | ThriftMap | ThriftStruct

export interface ThriftField {
  readonly id: number
  /** The compact type; for booleans, TRUE or FALSE as read (the value decides on writing). */
  readonly type: number
  value: ThriftValue
}

export interface ThriftStruct {
  readonly kind: 'struct'
  fields: ThriftField[]
}

export interface ThriftList {
  readonly kind: 'list'
  readonly elementType: number
  readonly set: boolean
  items: ThriftValue[]
}

export interface ThriftMap {
  readonly kind: 'map'
  readonly keyType: number
  readonly valueType: number
  entries: Array<[ThriftValue, ThriftValue]>
}

class Reader {
  pos = 0
  readonly #bytes: Uint8Array
  readonly #view: DataView

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  byte(): number {
    if (this.pos >= this.#bytes.length) throw new RangeError('the footer ends in the middle of a value')

    return this.#bytes[this.pos++]!
  }

  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 70n) throw new RangeError('a varint is longer than 10 bytes')
    }
  }

  zigzag(): bigint {
    const v = this.varint()

    return (v >> 1n) ^ -(v & 1n)
  }

  binary(): Uint8Array {
    const length = Number(this.varint())
    if (this.pos + length > this.#bytes.length) throw new RangeError('a string runs past the end of the footer')
    const out = this.#bytes.subarray(this.pos, this.pos + length)
    this.pos += length

    return out
  }

  double(): number {
    if (this.pos + 8 > this.#bytes.length) throw new RangeError('the footer ends in the middle of a double')
    const v = this.#view.getFloat64(this.pos, true)
    this.pos += 8

    return v
  }

  value(type: number, depth: number): ThriftValue {
    if (depth > 64) throw new RangeError('the footer nests more than 64 levels deep')
    switch (type) {
      case TType.TRUE:
        return true
      case TType.FALSE:
        return false
      case TType.BYTE: {
        const b = this.byte()

        return b > 127 ? b - 256 : b
      }
      case TType.I16:
      case TType.I32:
        return Number(this.zigzag())
      case TType.I64:
        return this.zigzag()
      case TType.DOUBLE:
        return this.double()
      case TType.BINARY:
        return this.binary()
      case TType.LIST:
      case TType.SET: {
        const header = this.byte()
        let size = header >> 4
        if (size === 15) size = Number(this.varint())
        const elementType = header & 0x0f
        const items: ThriftValue[] = []
        for (let i = 0; i < size; i++) {
          // Booleans in a collection take one byte each: 1 is true, anything else false.
          items.push(
            elementType === TType.TRUE || elementType === TType.FALSE
              ? this.byte() === 1
              : this.value(elementType, depth + 1),
          )
        }

        return { kind: 'list', elementType, set: type === TType.SET, items }
      }
      case TType.MAP: {
        const size = Number(this.varint())
        if (size === 0) return { kind: 'map', keyType: 0, valueType: 0, entries: [] }
        const types = this.byte()
        const keyType = types >> 4
        const valueType = types & 0x0f
        const entries: Array<[ThriftValue, ThriftValue]> = []
        for (let i = 0; i < size; i++) entries.push([this.value(keyType, depth + 1), this.value(valueType, depth + 1)])

        return { kind: 'map', keyType, valueType, entries }
      }
      case TType.STRUCT:
        return this.struct(depth + 1)
      default:
        throw new RangeError(`unknown Thrift type ${type}`)
    }
  }

  struct(depth: number): ThriftStruct {
    const fields: ThriftField[] = []
    let last = 0
    for (;;) {
      const header = this.byte()
      const type = header & 0x0f
      if (type === TType.STOP) return { kind: 'struct', fields }
      const delta = header >> 4
      const id = delta === 0 ? Number(this.zigzag()) : last + delta
      last = id
      fields.push({ id, type, value: this.value(type, depth) })
    }
  }
}

/** Decodes one struct from the start of `bytes`; `length` is how many bytes it took. */
export function readThriftStruct(bytes: Uint8Array): { struct: ThriftStruct; length: number } {
  const reader = new Reader(bytes)
  try {
    const struct = reader.struct(0)

    return { struct, length: reader.pos }
  } catch (error) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `Cannot decode Parquet metadata: ${(error as Error).message}`, {
      cause: error,
      location: { byte: reader.pos },
    })
  }
}

class Writer {
  #buf = new Uint8Array(1024)
  pos = 0

  #ensure(n: number): void {
    if (this.pos + n <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < this.pos + n) size *= 2
    const bigger = new Uint8Array(size)
    bigger.set(this.#buf.subarray(0, this.pos))
    this.#buf = bigger
  }

  byte(b: number): void {
    this.#ensure(1)
    this.#buf[this.pos++] = b & 0xff
  }

  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v)
    do {
      let b = Number(x & 0x7fn)
      x >>= 7n
      if (x !== 0n) b |= 0x80
      this.byte(b)
    } while (x !== 0n)
  }

  /** i16 and i32 zigzag within 32 bits (at most 5 bytes), i64 within 64. */
  zigzag(v: bigint, bits: 32 | 64 = 64): void {
    const shift = BigInt(bits - 1)
    this.varint(BigInt.asUintN(bits, (v << 1n) ^ (v >> shift)))
  }

  bytes(b: Uint8Array): void {
    this.#ensure(b.length)
    this.#buf.set(b, this.pos)
    this.pos += b.length
  }

  value(type: number, v: ThriftValue): void {
    switch (type) {
      case TType.TRUE:
      case TType.FALSE:
        // Only reached inside collections; a field's boolean lives in its header.
        this.byte(v === true ? 1 : 2)
        return
      case TType.BYTE:
        this.byte(v as number)
        return
      case TType.I16:
      case TType.I32:
        this.zigzag(BigInt(v as number), 32)
        return
      case TType.I64:
        this.zigzag(v as bigint)
        return
      case TType.DOUBLE: {
        this.#ensure(8)
        new DataView(this.#buf.buffer).setFloat64(this.pos, v as number, true)
        this.pos += 8
        return
      }
      case TType.BINARY: {
        const b = v as Uint8Array
        this.varint(BigInt(b.length))
        this.bytes(b)
        return
      }
      case TType.LIST:
      case TType.SET: {
        const list = v as ThriftList
        const n = list.items.length
        if (n < 15) this.byte((n << 4) | list.elementType)
        else {
          this.byte(0xf0 | list.elementType)
          this.varint(BigInt(n))
        }
        for (const item of list.items) this.value(list.elementType, item)
        return
      }
      case TType.MAP: {
        const map = v as ThriftMap
        this.varint(BigInt(map.entries.length))
        if (map.entries.length === 0) return
        this.byte((map.keyType << 4) | map.valueType)
        for (const [k, x] of map.entries) {
          this.value(map.keyType, k)
          this.value(map.valueType, x)
        }
        return
      }
      case TType.STRUCT:
        this.struct(v as ThriftStruct)
        return
      default:
        throw new FerrisError('FERRIS_INTERNAL', `Cannot write Thrift type ${type}`)
    }
  }

  struct(s: ThriftStruct): void {
    let last = 0
    for (const f of s.fields) {
      const type =
        f.type === TType.TRUE || f.type === TType.FALSE ? (f.value === true ? TType.TRUE : TType.FALSE) : f.type
      const delta = f.id - last
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type)
      else {
        this.byte(type)
        this.zigzag(BigInt(f.id), 32)
      }
      last = f.id
      if (type !== TType.TRUE && type !== TType.FALSE) this.value(type, f.value)
    }
    this.byte(TType.STOP)
  }

  result(): Uint8Array {
    return this.#buf.slice(0, this.pos)
  }
}

export function writeThriftStruct(struct: ThriftStruct): Uint8Array {
  const w = new Writer()
  w.struct(struct)

  return w.result()
}

/** Small helpers to read and edit fields by id. */
export function field(s: ThriftStruct, id: number): ThriftValue | undefined {
  return s.fields.find((f) => f.id === id)?.value
}

export function setField(s: ThriftStruct, id: number, type: number, value: ThriftValue): void {
  const existing = s.fields.find((f) => f.id === id)
  if (existing !== undefined) existing.value = value
  else {
    s.fields.push({ id, type, value })
    s.fields.sort((a, b) => a.id - b.id)
  }
}

export function dropFields(s: ThriftStruct, ...ids: number[]): void {
  s.fields = s.fields.filter((f) => !ids.includes(f.id))
}
