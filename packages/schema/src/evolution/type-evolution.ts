import {
  type DataType,
  Decimal,
  type StructField,
  type StructValue,
  sameType,
  typeToString,
  UNIT_DIGITS,
  type Value,
} from '@ferris/core'

/** Turns one non-null value of the old type into the new type. */
export type Converter = (value: Value) => Value

/** How a value of one type becomes a value of another, or why it cannot. */
export type TypeEvolution =
  | { readonly kind: 'same' }
  | { readonly kind: 'widen'; readonly convert: Converter; readonly description: string }
  | { readonly kind: 'incompatible'; readonly reason: string }

const SAME: TypeEvolution = { kind: 'same' }
const NANOS_PER_DAY = 86_400_000_000_000n
const identity: Converter = (v) => v

/** Integer digits each integer type needs in a DECIMAL: 2^31 has 10 digits, 2^63 has 19. */
const INTEGER_DIGITS = { int32: 10, int64: 19 } as const

/**
 * Whether every value of `from` can become a value of `to` without loss, and how. The safe widenings:
 *
 * | from | to |
 * |---|---|
 * | NULL (a column only ever seen empty) | anything |
 * | INT | BIGINT, DOUBLE (exact below 2^53), DECIMAL(p, s) with p − s ≥ 10 |
 * | BIGINT | DECIMAL(p, s) with p − s ≥ 19 |
 * | DECIMAL(p, s) | DECIMAL(p', s') with s' ≥ s and p' − s' ≥ p − s |
 * | STRING | BYTES (UTF-8) |
 * | DATE | TIMESTAMP without time zone (midnight) |
 * | TIMESTAMP(n), TIME(n) | the same with more fractional digits (and the same time zone) |
 * | LIST, MAP, STRUCT | element-, entry- and field-wise by these rules |
 *
 * Everything else is refused with a reason, notably BIGINT → DOUBLE and DECIMAL → DOUBLE (inexact), any
 * narrowing, and number ↔ string (a change of meaning, not of width).
 */
export function evolveType(from: DataType, to: DataType): TypeEvolution {
  if (sameType(from, to)) return SAME
  if (from.kind === 'null') return widen(identity, `NULL → ${typeToString(to)}`)
  const refuse = (why: string): TypeEvolution => ({
    kind: 'incompatible',
    reason: `${typeToString(from)} cannot become ${typeToString(to)}: ${why}`,
  })

  switch (from.kind) {
    case 'int32':
    case 'int64': {
      if (from.kind === 'int32' && to.kind === 'int64') return widen((v) => BigInt(v as number), 'INT → BIGINT')
      if (to.kind === 'float64') {
        return from.kind === 'int32'
          ? widen(identity, 'INT → DOUBLE')
          : refuse('DOUBLE holds integers exactly only up to 2^53, so larger BIGINT values would change')
      }
      if (to.kind === 'decimal') {
        const need = INTEGER_DIGITS[from.kind]
        if (to.precision - to.scale < need) {
          return refuse(
            `DECIMAL(${to.precision}, ${to.scale}) keeps ${to.precision - to.scale} integer digits, ${typeToString(from)} needs ${need}`,
          )
        }
        const scale = to.scale

        return widen(
          (v) => Decimal.fromBigInt(typeof v === 'bigint' ? v : BigInt(v as number)).rescale(scale),
          `${typeToString(from)} → ${typeToString(to)}`,
        )
      }
      return refuse(narrowOrOther(to))
    }
    case 'decimal': {
      if (to.kind === 'decimal') {
        if (to.scale < from.scale) return refuse(`fractional digits would be cut from ${from.scale} to ${to.scale}`)
        if (to.precision - to.scale < from.precision - from.scale) {
          return refuse(`integer digits would shrink from ${from.precision - from.scale} to ${to.precision - to.scale}`)
        }
        const scale = to.scale

        return widen((v) => (v as Decimal).rescale(scale), `${typeToString(from)} → ${typeToString(to)}`)
      }
      if (to.kind === 'float64') return refuse('a DOUBLE does not hold every decimal exactly')
      return refuse(narrowOrOther(to))
    }
    case 'float64':
      return refuse(
        to.kind === 'decimal' || to.kind === 'int32' || to.kind === 'int64'
          ? 'a DOUBLE may hold fractions, infinities or NaN the new type cannot'
          : narrowOrOther(to),
      )
    case 'string':
      if (to.kind === 'bytes') {
        const encoder = new TextEncoder()
        return widen((v) => encoder.encode(v as string), 'STRING → BYTES (UTF-8)')
      }
      return refuse(narrowOrOther(to))
    case 'date':
      if (to.kind === 'timestamp' && to.timezone === undefined) {
        return widen((v) => BigInt(v as number) * NANOS_PER_DAY, `DATE → ${typeToString(to)} (midnight)`)
      }
      return refuse(to.kind === 'timestamp' ? 'a date has no time zone to give a zoned timestamp' : narrowOrOther(to))
    case 'timestamp':
    case 'time': {
      if (to.kind !== from.kind) return refuse(narrowOrOther(to))
      const fromZone = from.kind === 'timestamp' ? from.timezone : undefined
      const toZone = to.kind === 'timestamp' ? to.timezone : undefined
      if (fromZone !== toZone) return refuse('the time zone differs, which changes what each value means')
      if (UNIT_DIGITS[to.unit] < UNIT_DIGITS[from.unit]) {
        return refuse(
          `fractional seconds would be cut from ${UNIT_DIGITS[from.unit]} to ${UNIT_DIGITS[to.unit]} digits`,
        )
      }
      // Values are nanoseconds whatever the unit, so keeping more digits changes none of them.
      return widen(identity, `${typeToString(from)} → ${typeToString(to)}`)
    }
    case 'list': {
      if (to.kind !== 'list') return refuse(narrowOrOther(to))
      const inner = evolveType(from.element, to.element)
      if (inner.kind === 'incompatible') return refuse(`element: ${inner.reason}`)
      if (inner.kind === 'same') return SAME
      const convert = nullSafe(inner.convert)

      return widen((v) => (v as readonly Value[]).map(convert), `LIST element ${inner.description}`)
    }
    case 'map': {
      if (to.kind !== 'map') return refuse(narrowOrOther(to))
      const key = evolveType(from.key, to.key)
      const value = evolveType(from.value, to.value)
      if (key.kind === 'incompatible') return refuse(`key: ${key.reason}`)
      if (value.kind === 'incompatible') return refuse(`value: ${value.reason}`)
      const k = key.kind === 'widen' ? nullSafe(key.convert) : identity
      const val = value.kind === 'widen' ? nullSafe(value.convert) : identity

      return widen(
        (v) => new Map([...(v as ReadonlyMap<Value, Value>)].map(([a, b]) => [k(a), val(b)])),
        'MAP entries widened',
      )
    }
    case 'struct': {
      if (to.kind !== 'struct') return refuse(narrowOrOther(to))
      const plan = planStruct(from.fields, to.fields)
      if (typeof plan === 'string') return refuse(plan)

      return widen(plan, 'STRUCT fields evolved')
    }
    default:
      return refuse(narrowOrOther(to))
  }
}

/** Wraps a converter so that NULL stays NULL; converters themselves never see null. */
export function nullSafe(convert: Converter): Converter {
  return (v) => (v === null ? null : convert(v))
}

function widen(convert: Converter, description: string): TypeEvolution {
  return { kind: 'widen', convert, description }
}

function narrowOrOther(to: DataType): string {
  return to.kind === 'string'
    ? 'turning values into text changes their meaning; CAST them in the query instead'
    : 'no lossless conversion exists'
}

/** Nested fields follow the same rules as top-level ones; struct values are objects keyed by field name. */
function planStruct(from: readonly StructField[], to: readonly StructField[]): Converter | string {
  const steps: Array<{ name: string; source: string | undefined; convert: Converter }> = []
  for (const target of to) {
    const source = from.find((f) => f.name === target.name)
    if (source === undefined) {
      if (!target.nullable) return `field ${target.name} is new and NOT NULL, so old values have nothing to put there`
      steps.push({ name: target.name, source: undefined, convert: identity })
      continue
    }
    if (source.nullable && !target.nullable) return `field ${target.name} became NOT NULL but old values may be NULL`
    const change = evolveType(source.type, target.type)
    if (change.kind === 'incompatible') return `field ${target.name}: ${change.reason}`
    steps.push({
      name: target.name,
      source: source.name,
      convert: change.kind === 'same' ? identity : nullSafe(change.convert),
    })
  }

  return (v) => {
    const value = v as StructValue
    const out: Record<string, Value> = {}
    for (const s of steps) out[s.name] = s.source === undefined ? null : s.convert(value[s.source] ?? null)

    return out
  }
}
