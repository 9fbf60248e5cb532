import {
  Decimal,
  FerrisError,
  Interval,
  isDecimal,
  isInterval,
  type JsonValue,
  type RecordMeta,
  type Value,
} from '@ferris/core'

/**
 * Values as JSON for checkpoints, exact: a bigint is `{"$i":"123"}`, a decimal `{"$d":"1.50"}`, bytes
 * `{"$b":"<base64>"}`, an interval `{"$v":[months, days, "nanos"]}`. Numbers, strings, booleans and null
 * are themselves (JSON keeps doubles exactly through their shortest text; NaN and infinities are tagged).
 */
export function encodeValue(v: Value): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $f: String(v) }
  if (typeof v === 'bigint') return { $i: v.toString() }
  if (isDecimal(v)) return { $d: v.toString() }
  if (isInterval(v)) return { $v: [v.months, v.days, v.nanos.toString()] }
  if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') }
  if (Array.isArray(v)) return { $l: v.map(encodeValue) }
  if (v instanceof Map) return { $m: [...v].map(([k, x]) => [encodeValue(k), encodeValue(x)]) }

  return { $s: Object.fromEntries(Object.entries(v as Record<string, Value>).map(([k, x]) => [k, encodeValue(x)])) }
}

export function decodeValue(j: JsonValue): Value {
  if (j === null || typeof j !== 'object') return j
  const o = j as Record<string, JsonValue>
  if ('$i' in o) return BigInt(o.$i as string)
  if ('$d' in o) return Decimal.parse(o.$d as string)
  if ('$f' in o) return Number(o.$f)
  if ('$v' in o) {
    const [m, d, n] = o.$v as [number, number, string]
    return new Interval(m, d, BigInt(n))
  }
  if ('$b' in o) return new Uint8Array(Buffer.from(o.$b as string, 'base64'))
  if ('$l' in o) return (o.$l as JsonValue[]).map(decodeValue)
  if ('$m' in o)
    return new Map((o.$m as Array<[JsonValue, JsonValue]>).map(([k, x]) => [decodeValue(k), decodeValue(x)]))
  if ('$s' in o) {
    return Object.fromEntries(Object.entries(o.$s as Record<string, JsonValue>).map(([k, x]) => [k, decodeValue(x)]))
  }
  throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `A checkpoint holds a value of unknown shape: ${JSON.stringify(j)}`)
}

/**
 * A key that is equal for equal SQL values, for hashing groups and DISTINCT sets: primitives stand for
 * themselves (a JavaScript Map compares bigints by value), anything else becomes its tagged JSON text.
 */
export function hashKey(v: Value): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'number' && Object.is(v, -0) ? 0 : v

  return JSON.stringify(encodeValue(isDecimal(v) ? normalizeDecimal(v) : v))
}

/** 1.50 and 1.5 are one group. */
function normalizeDecimal(d: Decimal): Decimal {
  let unscaled = d.unscaled
  let scale = d.scale
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n
    scale--
  }

  return new Decimal(unscaled, scale)
}

/** Record metadata as JSON, for operators that hold rows across checkpoints. */
export function encodeMeta(m: RecordMeta): JsonValue {
  const o: Record<string, JsonValue> = {}
  if (m.key !== undefined) o.key = encodeValue(m.key)
  if (m.headers !== undefined) o.headers = m.headers.map((h) => [h.key, h.value === null ? null : encodeValue(h.value)])
  if (m.timestamp !== undefined) o.timestamp = m.timestamp.toString()
  if (m.partition !== undefined) o.partition = m.partition
  if (m.offset !== undefined) o.offset = m.offset.toString()
  if (m.raw !== undefined) o.raw = encodeValue(m.raw)

  return o
}

export function decodeMeta(j: JsonValue): RecordMeta {
  const o = j as Record<string, JsonValue>

  return {
    ...(o.key === undefined ? {} : { key: decodeValue(o.key) }),
    ...(o.headers === undefined
      ? {}
      : {
          headers: (o.headers as Array<[string, JsonValue]>).map(([key, value]) => ({
            key,
            value: value === null ? null : (decodeValue(value) as Uint8Array),
          })),
        }),
    ...(o.timestamp === undefined ? {} : { timestamp: BigInt(o.timestamp as string) }),
    ...(o.partition === undefined ? {} : { partition: o.partition as number | string }),
    ...(o.offset === undefined ? {} : { offset: BigInt(o.offset as string) }),
    ...(o.raw === undefined ? {} : { raw: decodeValue(o.raw) as Uint8Array | string }),
  }
}
