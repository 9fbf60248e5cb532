import { Decimal, FerrisError, type Value } from '@ferris/core'
import * as arrow from 'apache-arrow'

/**
 * Arrow column data to Ferris values, column by column and straight from Arrow's buffers. Arrow JS's own
 * accessors would return decimals unscaled as text and timestamps as float milliseconds (losing digits past
 * 2^53); reading the 64-bit buffers keeps every value exact and avoids a per-value dispatch.
 */

const MS_PER_DAY = 86_400_000n

const UNIT_NANOS: Readonly<Record<number, bigint>> = {
  [arrow.TimeUnit.SECOND]: 1_000_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000_000n,
  [arrow.TimeUnit.MICROSECOND]: 1_000n,
  [arrow.TimeUnit.NANOSECOND]: 1n,
}

// biome-ignore lint/suspicious/noExplicitAny: Arrow's Data is generic over every type; this file dispatches on typeId.
type AnyData = arrow.Data<any>

/** True when slot `i` holds a value. Arrow slices keep the parent's validity bitmap and an offset into it. */
function validity(data: AnyData): ((i: number) => boolean) | undefined {
  if (data.nullCount === 0 || data.nullBitmap === undefined || data.nullBitmap.length === 0) {
    return data.typeId === arrow.Type.Null ? () => false : undefined
  }
  const bitmap = data.nullBitmap
  const offset = data.offset

  return (i) => {
    const j = i + offset

    return (bitmap[j >> 3]! & (1 << (j & 7))) !== 0
  }
}

function fill(length: number, valid: ((i: number) => boolean) | undefined, get: (i: number) => Value): Value[] {
  const out: Value[] = new Array(length)
  if (valid === undefined) {
    for (let i = 0; i < length; i++) out[i] = get(i)
  } else {
    for (let i = 0; i < length; i++) out[i] = valid(i) ? get(i) : null
  }

  return out
}

/**
 * The values of `data` (length `data.length`), one per slot, `null` where the slot is null. `path` names the
 * column in messages.
 */
export function arrowDataToValues(data: AnyData, path: string): Value[] {
  const n = data.length
  const valid = validity(data)
  const type = data.type as arrow.DataType
  switch (type.typeId) {
    case arrow.Type.Null:
      return new Array<Value>(n).fill(null)
    case arrow.Type.Bool: {
      const bits = data.values as Uint8Array
      const offset = data.offset

      return fill(n, valid, (i) => (bits[(i + offset) >> 3]! & (1 << ((i + offset) & 7))) !== 0)
    }
    case arrow.Type.Int: {
      const t = type as arrow.Int
      const values = data.values as ArrayLike<number | bigint>
      if (t.bitWidth === 64 && !t.isSigned) {
        return fill(n, valid, (i) => new Decimal(values[i] as bigint, 0))
      }
      if (t.bitWidth === 32 && !t.isSigned) return fill(n, valid, (i) => BigInt(values[i] as number))

      return fill(n, valid, (i) => values[i]!)
    }
    case arrow.Type.Float: {
      if ((type as arrow.Float).precision === arrow.Precision.HALF) {
        const vector = arrow.makeVector(data)

        return fill(n, valid, (i) => vector.get(i) as number)
      }
      const values = data.values as Float32Array | Float64Array

      return fill(n, valid, (i) => values[i]!)
    }
    case arrow.Type.Decimal:
      return decimals(data, type as arrow.Decimal, valid)
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8: {
      const values = data.values as Uint8Array
      const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
      const offsets = data.valueOffsets as Int32Array | BigInt64Array
      if (offsets instanceof BigInt64Array) {
        return fill(n, valid, (i) => buf.toString('utf8', Number(offsets[i]!), Number(offsets[i + 1]!)))
      }

      return fill(n, valid, (i) => buf.toString('utf8', offsets[i]!, offsets[i + 1]!))
    }
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary: {
      const values = data.values as Uint8Array
      const offsets = data.valueOffsets as Int32Array | BigInt64Array

      // Copies, so a row kept by the engine does not pin the whole column's buffer.
      return fill(n, valid, (i) => values.slice(Number(offsets[i]!), Number(offsets[i + 1]!)))
    }
    case arrow.Type.FixedSizeBinary: {
      const values = data.values as Uint8Array
      const width = (type as arrow.FixedSizeBinary).byteWidth

      return fill(n, valid, (i) => values.slice(i * width, (i + 1) * width))
    }
    case arrow.Type.Date: {
      if ((type as arrow.Date_).unit === arrow.DateUnit.DAY) {
        const values = data.values as Int32Array

        return fill(n, valid, (i) => values[i]!)
      }
      const values = data.values as BigInt64Array

      return fill(n, valid, (i) => Number(floorDiv(values[i]!, MS_PER_DAY)))
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time
      const scale = UNIT_NANOS[t.unit]!
      const values = data.values as Int32Array | BigInt64Array
      if (values instanceof BigInt64Array) return fill(n, valid, (i) => values[i]! * scale)

      return fill(n, valid, (i) => BigInt(values[i]!) * scale)
    }
    case arrow.Type.Timestamp: {
      const scale = UNIT_NANOS[(type as arrow.Timestamp).unit]!
      const values = data.values as BigInt64Array
      if (scale === 1n) return fill(n, valid, (i) => values[i]!)

      return fill(n, valid, (i) => values[i]! * scale)
    }
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.Map: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array
      const child = data.children[0]!
      const items = arrowDataToValues(child, type.typeId === arrow.Type.Map ? path : `${path}[]`)
      if (type.typeId === arrow.Type.Map) {
        const keys = arrowDataToValues(child.children[0]!, `${path}.key`)
        const vals = arrowDataToValues(child.children[1]!, `${path}.value`)

        return fill(n, valid, (i) => {
          const m = new Map<Value, Value>()
          for (let j = Number(offsets[i]!), end = Number(offsets[i + 1]!); j < end; j++) m.set(keys[j]!, vals[j]!)

          return m
        })
      }

      return fill(n, valid, (i) => items.slice(Number(offsets[i]!), Number(offsets[i + 1]!)))
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize
      const items = arrowDataToValues(data.children[0]!, `${path}[]`)

      return fill(n, valid, (i) => items.slice(i * size, (i + 1) * size))
    }
    case arrow.Type.Struct: {
      const fields = (type as arrow.Struct).children
      const columns = fields.map((f, k) => arrowDataToValues(data.children[k]!, `${path}.${f.name}`))
      const names = fields.map((f) => f.name)

      return fill(n, valid, (i) => {
        const o: Record<string, Value> = {}
        for (let k = 0; k < names.length; k++) o[names[k]!] = columns[k]![i]!

        return o
      })
    }
    case arrow.Type.Dictionary: {
      const dictionary = data.dictionary
      if (dictionary === undefined) {
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `Column ${path} is dictionary-encoded but has no dictionary`, {
          subject: path,
        })
      }
      const words = dictionary.data.flatMap((d: AnyData) => arrowDataToValues(d, path))
      const indices = data.values as ArrayLike<number | bigint>

      return fill(n, valid, (i) => words[Number(indices[i]!)]!)
    }
    default:
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Column ${path} has Arrow type ${String(type)}, which Ferris cannot read`,
        {
          subject: path,
          value: String(type),
        },
      )
  }
}

/** Decimal128/256 values are little-endian two's complement integers in 64-bit words, least significant first. */
function decimals(data: AnyData, type: arrow.Decimal, valid: ((i: number) => boolean) | undefined): Value[] {
  const raw = data.values as Uint32Array
  const words = new BigUint64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3)
  const scale = type.scale
  if (type.bitWidth === 128) {
    const signed = new BigInt64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3)

    return fill(data.length, valid, (i) => {
      const hi = signed[2 * i + 1]!
      const lo = words[2 * i]!
      // Most values fit 64 bits: skip the 128-bit arithmetic for them.
      if (hi === 0n && lo < 0x8000000000000000n) return new Decimal(lo, scale)
      if (hi === -1n && lo >= 0x8000000000000000n) return new Decimal(BigInt.asIntN(64, lo), scale)

      return new Decimal((hi << 64n) | lo, scale)
    })
  }
  const lanes = type.bitWidth >> 6

  return fill(data.length, valid, (i) => {
    let v = 0n
    for (let k = lanes - 1; k >= 0; k--) v = (v << 64n) | words[i * lanes + k]!

    return new Decimal(BigInt.asIntN(type.bitWidth, v), scale)
  })
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b

  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}
