import { type DataType, MAX_DECIMAL_PRECISION, type StructField, T, type TimestampType } from '@ferris/core'

/**
 * The least type that holds values of both `a` and `b`; `undefined` stands for "only NULLs seen so far".
 *
 * int32 → int64 → decimal(p, s) (an integer needs p - s ≥ its digits) → float64 → string;
 * date → timestamp; timestamps keep the finer unit and must agree on having a time zone;
 * lists widen their elements, structs merge their fields by name; anything else meets at string.
 */
export function widen(a: DataType | undefined, b: DataType | undefined): DataType | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  if (a.kind === b.kind) {
    switch (a.kind) {
      case 'decimal':
        return widenDecimal(a.precision, a.scale, (b as typeof a).precision, (b as typeof a).scale)
      case 'timestamp':
        return widenTimestamp(a, b as TimestampType)
      case 'list': {
        const e = widen(a.element, (b as typeof a).element)
        return T.list(e ?? T.null)
      }
      case 'struct':
        return mergeStructs(a.fields, (b as typeof a).fields)
      default:
        return a
    }
  }
  const ka = a.kind
  const kb = b.kind
  const pair = (x: string, y: string) => (ka === x && kb === y) || (ka === y && kb === x)
  if (ka === 'null') return b
  if (kb === 'null') return a
  if (pair('int32', 'int64')) return T.int64
  if ((ka === 'int32' || ka === 'int64') && kb === 'decimal')
    return widenDecimal(intDigits(ka), 0, b.precision, b.scale)
  if ((kb === 'int32' || kb === 'int64') && ka === 'decimal')
    return widenDecimal(a.precision, a.scale, intDigits(kb), 0)
  if (isNumberKind(ka) && isNumberKind(kb)) return T.float64
  if (pair('date', 'timestamp')) return ka === 'timestamp' ? a : b

  return T.string
}

function isNumberKind(k: string): boolean {
  return k === 'int32' || k === 'int64' || k === 'decimal' || k === 'float64'
}

function intDigits(kind: 'int32' | 'int64'): number {
  return kind === 'int32' ? 10 : 19
}

function widenDecimal(p1: number, s1: number, p2: number, s2: number): DataType {
  const scale = Math.max(s1, s2)
  const precision = Math.max(p1 - s1, p2 - s2) + scale

  return precision > MAX_DECIMAL_PRECISION ? T.float64 : T.decimal(Math.max(precision, 1), scale)
}

function widenTimestamp(a: TimestampType, b: TimestampType): DataType {
  if ((a.timezone === undefined) !== (b.timezone === undefined)) return T.string
  const unit = a.unit === 'ns' || b.unit === 'ns' ? 'ns' : a.unit === 'us' || b.unit === 'us' ? 'us' : 'ms'

  return T.timestamp(unit, a.timezone)
}

function mergeStructs(a: readonly StructField[], b: readonly StructField[]): DataType {
  const fields = new Map<string, DataType | undefined>(a.map((f) => [f.name, f.type]))
  for (const f of b) fields.set(f.name, fields.has(f.name) ? widen(fields.get(f.name), f.type) : f.type)

  return T.struct([...fields].map(([name, type]) => ({ name, type: type ?? T.null, nullable: true })))
}

/** Replaces "only NULLs seen" (null type) by string, everywhere, so every inferred column can be read. */
export function finalType(t: DataType | undefined): DataType {
  if (t === undefined || t.kind === 'null') return T.string
  if (t.kind === 'list') return T.list(finalType(t.element))
  if (t.kind === 'struct')
    return T.struct(t.fields.map((f) => ({ name: f.name, type: finalType(f.type), nullable: true })))

  return t
}
