import {
  type DataType,
  Decimal,
  FerrisError,
  isDecimal,
  type StructValue,
  typeToString,
  type Value,
} from '@ferris/core'
import { jsonToValue } from '../convert/json-value.js'
import type { JsonAny } from '../json/exact-json.js'
import type { AvroSchema, AvroSchemaObject } from './avro-schema.js'

/**
 * Conversion between avsc's JavaScript values (longs as bigint, bytes as Buffer, unions unwrapped) and
 * Ferris values, compiled once per (Avro schema, Ferris type) pair and then run per message without lookups.
 * Logical types are read from the schema JSON here rather than by avsc, so that decimals stay exact
 * (`Decimal`) and timestamps become epoch nanoseconds whatever their Avro unit.
 */
export type Convert = (v: unknown) => Value
export type Unconvert = (v: Value) => unknown

type Names = Map<string, AvroSchemaObject>

const NANOS: Readonly<Record<string, bigint>> = { millis: 1_000_000n, micros: 1_000n, nanos: 1n }

/** Resolves named-type references and records the names a schema defines. */
function resolve(s: AvroSchema, names: Names, namespace?: string): AvroSchema {
  if (typeof s === 'string') {
    const named = names.get(s) ?? (namespace === undefined ? undefined : names.get(`${namespace}.${s}`))
    return named ?? s
  }
  if (
    !Array.isArray(s) &&
    typeof s === 'object' &&
    s.name !== undefined &&
    ['record', 'enum', 'fixed'].includes(s.type as string)
  ) {
    const ns = s.namespace ?? namespace
    const full = s.name.includes('.') || ns === undefined ? s.name : `${ns}.${s.name}`
    names.set(full, s)
    names.set(s.name, s)
  }

  return s
}

/** The key avsc uses for a branch of a wrapped union: the primitive or complex type name, or a named type's full name. */
function branchName(b: AvroSchema, names: Names): string {
  const r = resolve(b, names)
  if (typeof r === 'string') return r
  if (Array.isArray(r)) return 'union'
  const o = r as AvroSchemaObject
  if (o.name !== undefined && ['record', 'enum', 'fixed', 'error'].includes(o.type as string)) {
    return o.name.includes('.') || o.namespace === undefined ? o.name : `${o.namespace}.${o.name}`
  }
  return typeof o.type === 'string' ? o.type : branchName(o.type, names)
}

/** Compiles a reader from Avro values of `schema` to Ferris values of `type`. `path` names the field in errors. */
export function avroReader(schema: AvroSchema, type: DataType, path: string, names: Names = new Map()): Convert {
  const s = resolve(schema, names)
  if (Array.isArray(s)) {
    // Unions arrive wrapped: `{ <branch name>: value }` or null.
    const byBranch = new Map<string, Convert>()
    for (const b of s) if (b !== 'null') byBranch.set(branchName(b, names), avroReader(b, type, `${path}`, names))
    return (v) => {
      if (v === null || v === undefined) return null
      const [name, inner] = Object.entries(v as Record<string, unknown>)[0]!
      const conv = byBranch.get(name)
      return conv === undefined ? generic(inner, type, path) : conv(inner)
    }
  }
  if (typeof s === 'string') return primitiveReader(s, undefined, type, path)
  const o = s as AvroSchemaObject
  if (typeof o.type === 'string' && o.logicalType !== undefined) return logicalReader(o, type, path)
  switch (o.type) {
    case 'record': {
      if (type.kind !== 'struct') return (v) => generic(v, type, path)
      const convs = type.fields.map((f) => {
        const af =
          o.fields?.find((x) => x.name === f.name) ??
          o.fields?.find((x) => x.name.toLowerCase() === f.name.toLowerCase())
        return [
          f.name,
          af?.name,
          af === undefined ? () => null : avroReader(af.type, f.type, `${path}.${f.name}`, names),
        ] as const
      })
      return (v) => {
        const rec = v as Record<string, unknown>
        const out: Record<string, Value> = {}
        for (const [name, avroName, conv] of convs)
          out[name] = avroName === undefined ? null : conv(rec[avroName] ?? null)
        return out as StructValue
      }
    }
    case 'array': {
      if (type.kind !== 'list') return (v) => generic(v, type, path)
      const item = avroReader(o.items!, type.element, `${path}[]`, names)
      return (v) => (v as unknown[]).map(item)
    }
    case 'map': {
      if (type.kind !== 'map') return (v) => generic(v, type, path)
      const val = avroReader(o.values!, type.value, `${path}{}`, names)
      const key = (k: string): Value => (type.key.kind === 'string' ? k : jsonToValue(k, type.key, `${path}{key}`))
      return (v) => new Map(Object.entries(v as Record<string, unknown>).map(([k, e]) => [key(k), val(e)]))
    }
    case 'enum':
      return primitiveReader('string', undefined, type, path)
    case 'fixed':
      return primitiveReader('bytes', undefined, type, path)
    default:
      if (typeof o.type === 'string') return primitiveReader(o.type, undefined, type, path)
      return avroReader(o.type, type, path, names)
  }
}

function primitiveReader(avroType: string, _logical: string | undefined, type: DataType, path: string): Convert {
  switch (type.kind) {
    case 'int64':
      if (avroType === 'long') return (v) => v as bigint
      if (avroType === 'int') return (v) => BigInt(v as number)
      break
    case 'int32':
      if (avroType === 'int') return (v) => v as number
      break
    case 'float64':
      if (avroType === 'double' || avroType === 'float' || avroType === 'int') return (v) => v as number
      if (avroType === 'long') return (v) => Number(v as bigint)
      break
    case 'string':
      if (avroType === 'string') return (v) => v as string
      break
    case 'bytes':
      if (avroType === 'bytes' || avroType === 'fixed') return (v) => new Uint8Array(v as Buffer)
      break
    case 'boolean':
      if (avroType === 'boolean') return (v) => v as boolean
      break
    default:
      break
  }

  return (v) => generic(v, type, path)
}

function logicalReader(o: AvroSchemaObject, type: DataType, path: string): Convert {
  const base = o.type as string
  const logical = o.logicalType!
  if (logical === 'decimal' && (base === 'bytes' || base === 'fixed')) {
    const scale = o.scale ?? 0
    const toDecimal = (v: unknown) => new Decimal(fromTwosComplement(v as Buffer), scale)
    if (type.kind === 'decimal') {
      return (v) => {
        const d = toDecimal(v)
        if (d.scale === type.scale) return d
        if (!d.fitsScale(type.scale))
          throw conversionError(d.toString(), type, path, 'the value has more fractional digits than the column')
        return d.rescale(type.scale)
      }
    }
    if (type.kind === 'string') return (v) => toDecimal(v).toString()
    if (type.kind === 'float64') return (v) => toDecimal(v).toNumber()
    return (v) => generic(toDecimal(v).toString(), type, path)
  }
  const ts = /^(local-)?timestamp-(millis|micros|nanos)$/.exec(logical)
  if (ts !== null && base === 'long') {
    const factor = NANOS[ts[2]!]!
    if (type.kind === 'timestamp' || type.kind === 'int64') return (v) => (v as bigint) * factor
    return (v) => generic(`${(v as bigint) * factor}`, type, path)
  }
  if (logical === 'date' && base === 'int' && type.kind === 'date') return (v) => v as number
  if (logical === 'time-millis' && base === 'int' && type.kind === 'time')
    return (v) => BigInt(v as number) * 1_000_000n
  if (logical === 'time-micros' && base === 'long' && type.kind === 'time') return (v) => (v as bigint) * 1_000n
  if (logical === 'uuid' && type.kind === 'string') return (v) => v as string

  return primitiveReader(base, logical, type, path)
}

/** Values whose Avro type does not match the column: converted through their text, or rejected. */
function generic(v: unknown, type: DataType, path: string): Value {
  try {
    return jsonToValue(toJsonAny(v), type, path)
  } catch (error) {
    throw conversionError(String(v), type, path, undefined, error)
  }
}

function toJsonAny(v: unknown): JsonAny {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (Buffer.isBuffer(v)) return v.toString('base64')
  if (Array.isArray(v)) return v.map(toJsonAny)
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, e]) => [k, toJsonAny(e)]))

  return v as JsonAny
}

function conversionError(shown: string, type: DataType, path: string, why?: string, cause?: unknown): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Field "${path}" holds ${shown.slice(0, 80)}, which is not a ${typeToString(type)}${why ? `: ${why}` : ''}`,
    {
      subject: path,
      value: shown,
      expected: typeToString(type),
      cause,
    },
  )
}

/** Compiles a writer from Ferris values of `type` to avsc values of `schema`. */
export function avroWriter(schema: AvroSchema, type: DataType, path: string, names: Names = new Map()): Unconvert {
  const s = resolve(schema, names)
  if (Array.isArray(s)) {
    const branches = s.filter((b) => b !== 'null')
    if (branches.length !== 1) {
      // Limitation: a union of several non-null branches can be read but not written; name one branch in avro_schema.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Column "${path}": writing an Avro union of several non-null types is not supported`,
        {
          subject: path,
          value: JSON.stringify(s),
          hint: 'Use a ["null", T] union for the column in avro_schema',
        },
      )
    }
    const name = branchName(branches[0]!, names)
    const inner = avroWriter(branches[0]!, type, path, names)
    return (v) => (v === null ? null : { [name]: inner(v) })
  }
  if (typeof s === 'string') return primitiveWriter(s, type, path)
  const o = s as AvroSchemaObject
  if (typeof o.type === 'string' && o.logicalType !== undefined) {
    const base = o.type
    const logical = o.logicalType
    if (logical === 'decimal' && (base === 'bytes' || base === 'fixed')) {
      const scale = o.scale ?? 0
      return (v) => {
        const d = isDecimal(v) ? v : Decimal.parse(String(v))
        if (!d.fitsScale(scale))
          throw conversionError(d.toString(), type, path, `the Avro decimal keeps ${scale} fractional digits`)
        const bytes = toTwosComplement(d.rescale(scale).unscaled)
        if (base === 'fixed') return padFixed(bytes, o.size ?? bytes.length)
        return bytes
      }
    }
    const ts = /^(local-)?timestamp-(millis|micros|nanos)$/.exec(logical)
    if (ts !== null) {
      const factor = NANOS[ts[2]!]!
      // Limitation: nanoseconds below the Avro unit are cut toward negative infinity.
      return (v) => floorDiv(v as bigint, factor)
    }
    if (logical === 'time-millis') return (v) => Number((v as bigint) / 1_000_000n)
    if (logical === 'time-micros') return (v) => (v as bigint) / 1_000n
    return primitiveWriter(base, type, path)
  }
  switch (o.type) {
    case 'record': {
      if (type.kind !== 'struct') break
      const convs = (o.fields ?? []).map((af) => {
        const f =
          type.fields.find((x) => x.name === af.name) ??
          type.fields.find((x) => x.name.toLowerCase() === af.name.toLowerCase())
        return [
          af.name,
          f?.name,
          f === undefined ? () => null : avroWriter(af.type, f.type, `${path}.${af.name}`, names),
        ] as const
      })
      return (v) => {
        const st = v as StructValue
        const out: Record<string, unknown> = {}
        for (const [avroName, name, conv] of convs) out[avroName] = name === undefined ? null : conv(st[name] ?? null)
        return out
      }
    }
    case 'array': {
      if (type.kind !== 'list') break
      const item = avroWriter(o.items!, type.element, `${path}[]`, names)
      return (v) => (v as Value[]).map(item)
    }
    case 'map': {
      if (type.kind !== 'map') break
      const val = avroWriter(o.values!, type.value, `${path}{}`, names)
      return (v) =>
        Object.fromEntries([...(v as ReadonlyMap<Value, Value>).entries()].map(([k, e]) => [String(k), val(e)]))
    }
    case 'enum':
      return (v) => v
    case 'fixed':
      return (v) => Buffer.from(v as Uint8Array)
    default:
      if (typeof o.type === 'string') return primitiveWriter(o.type, type, path)
      return avroWriter(o.type, type, path, names)
  }

  throw new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `Column "${path}" of type ${typeToString(type)} cannot be written as Avro ${JSON.stringify(o.type)}`,
    {
      subject: path,
      value: typeToString(type),
      hint: 'Make avro_schema match the columns, or cast the column',
    },
  )
}

function primitiveWriter(avroType: string, type: DataType, path: string): Unconvert {
  switch (avroType) {
    case 'long':
      return (v) => (typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : BigInt(String(v)))
    case 'int':
      return (v) => (typeof v === 'bigint' ? Number(v) : v)
    case 'double':
    case 'float':
      return (v) => (typeof v === 'number' ? v : isDecimal(v) ? v.toNumber() : Number(v))
    case 'bytes':
      return (v) =>
        v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v))
    case 'string':
      return (v) =>
        typeof v === 'string'
          ? v
          : isDecimal(v) || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean'
            ? String(v)
            : JSON.stringify(v)
    case 'boolean':
      return (v) => v
    case 'null':
      return () => null
    default:
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `Column "${path}" of type ${typeToString(type)} cannot be written as Avro ${avroType}`,
        {
          subject: path,
        },
      )
  }
}

/** Big-endian two's complement, as Avro's decimal logical type stores the unscaled value. */
export function fromTwosComplement(buf: Uint8Array): bigint {
  if (buf.length === 0) return 0n
  let n = 0n
  for (const b of buf) n = (n << 8n) | BigInt(b)
  if ((buf[0]! & 0x80) !== 0) n -= 1n << BigInt(buf.length * 8)

  return n
}

export function toTwosComplement(n: bigint): Buffer {
  const bytes: number[] = []
  let v = n
  for (;;) {
    bytes.unshift(Number(v & 0xffn))
    const rest = v >> 8n
    // Done when the rest is pure sign extension of the byte just written.
    if ((rest === 0n && (bytes[0]! & 0x80) === 0) || (rest === -1n && (bytes[0]! & 0x80) !== 0)) break
    v = rest
  }

  return Buffer.from(bytes)
}

function padFixed(bytes: Buffer, size: number): Buffer {
  if (bytes.length === size) return bytes
  const out = Buffer.alloc(size, (bytes[0]! & 0x80) !== 0 ? 0xff : 0)
  bytes.copy(out, size - bytes.length)

  return out
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}
