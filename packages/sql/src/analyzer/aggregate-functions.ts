import type { JsonValue } from '@ferris/core'
import { type DataType, Decimal, FerrisError, T, typeToString, type Value } from '@ferris/core'
import { decodeValue, encodeValue, hashKey } from '../execution/value-codec.js'
import { comparatorOf } from '../functions/index.js'

/**
 * One group's running state for one aggregate. `add` sees each non-filtered input value (NULLs included:
 * each aggregate decides; SQL's aggregates ignore them), `result` is the current value, and `save`/`load`
 * turn the state into JSON for checkpoints, exactly.
 */
export interface Accumulator {
  add(value: Value): void
  /**
   * Takes back a value added before, where that is exact (COUNT, integer and decimal SUM and AVG): a window
   * frame that slides then costs one add and one remove per row instead of a pass over the frame.
   */
  remove?(value: Value): void
  result(): Value
  save(): JsonValue
  load(state: JsonValue): void
}

/** An aggregate bound to its argument type: the result type and a factory of per-group accumulators. */
export interface BoundAggregate {
  readonly name: string
  readonly type: DataType
  /** Result NULL-able: true except for COUNT. */
  readonly nullable: boolean
  create(): Accumulator
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

export const SUPPORTED_AGGREGATES = [
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'STDDEV',
  'STDDEV_SAMP',
  'STDDEV_POP',
  'VARIANCE',
  'VAR_SAMP',
  'VAR_POP',
  'FIRST_VALUE',
  'LAST_VALUE',
  'LISTAGG',
  'STRING_AGG',
] as const

function semantic(message: string, hint?: string) {
  return new FerrisError('FERRIS_SQL_SEMANTIC', message, hint === undefined ? {} : { hint })
}

/**
 * Binds an aggregate call. `argType` is undefined for COUNT(*). Throws FERRIS_SQL_SEMANTIC (without a
 * location; the analyzer adds it) for an aggregate that does not exist yet or an argument it cannot take.
 */
export function bindAggregate(
  name: string,
  argType: DataType | undefined,
  distinct: boolean,
  separator?: string,
): BoundAggregate {
  const base = bindPlain(name, argType, separator)
  if (!distinct) return base
  if (name !== 'COUNT' && name !== 'SUM' && name !== 'AVG') return base // MIN/MAX(DISTINCT x) = MIN/MAX(x)

  return {
    ...base,
    create: () => {
      const seen = new Map<unknown, Value>()
      const inner = base.create()
      return {
        add: (v) => {
          if (v === null) return
          const k = hashKey(v)
          if (seen.has(k)) return
          seen.set(k, v)
          inner.add(v)
        },
        result: () => inner.result(),
        save: () => ({ seen: [...seen.values()].map(encodeValue), inner: inner.save() }),
        load: (s) => {
          const o = s as { seen: JsonValue[]; inner: JsonValue }
          for (const v of o.seen.map(decodeValue)) seen.set(hashKey(v), v)
          inner.load(o.inner)
        },
      }
    },
  }
}

function bindPlain(name: string, t: DataType | undefined, separator: string | undefined): BoundAggregate {
  switch (name) {
    case 'STDDEV':
    case 'STDDEV_SAMP':
    case 'STDDEV_POP':
    case 'VARIANCE':
    case 'VAR_SAMP':
    case 'VAR_POP':
      return bindVariance(name, requireNumeric(name, t))
    case 'FIRST_VALUE':
    case 'LAST_VALUE': {
      const first = name === 'FIRST_VALUE'
      return {
        name,
        type: t ?? T.null,
        nullable: true,
        create: () => {
          let value: Value = null
          return {
            add: (v) => {
              // NULLs are skipped like every aggregate's; "first" and "last" follow arrival order.
              if (v !== null && (!first || value === null)) value = v
            },
            result: () => value,
            save: () => encodeValue(value),
            load: (s) => {
              value = decodeValue(s)
            },
          }
        },
      }
    }
    case 'LISTAGG':
    case 'STRING_AGG': {
      if (t !== undefined && t.kind !== 'string' && t.kind !== 'null') {
        throw semantic(`${name} needs a STRING, but its argument is ${typeToString(t)}`, 'CAST the argument to STRING')
      }
      const sep = separator ?? ','
      return {
        name,
        type: T.string,
        nullable: true,
        create: () => {
          let text: string | null = null
          return {
            add: (v) => {
              if (v === null) return
              text = text === null ? (v as string) : `${text}${sep}${v as string}`
            },
            result: () => text,
            save: () => text,
            load: (s) => {
              text = s as string | null
            },
          }
        },
      }
    }
    case 'COUNT':
      return {
        name,
        type: T.int64,
        nullable: false,
        create: () => {
          let n = 0n
          return {
            add: (v) => {
              // COUNT(*) is bound with the constant TRUE, so it counts every row.
              if (v !== null) n++
            },
            remove: (v) => {
              if (v !== null) n--
            },
            result: () => n,
            save: () => n.toString(),
            load: (s) => {
              n = BigInt(s as string)
            },
          }
        },
      }
    case 'SUM':
    case 'AVG':
      return bindSum(name, requireNumeric(name, t))
    case 'MIN':
    case 'MAX': {
      const type = t ?? T.null
      const general = comparatorOf(type)
      if (general === undefined) throw semantic(`${name} cannot order values of type ${typeToString(type)}`)
      // Decimals of one column nearly always share a scale: compare their unscaled bigints directly.
      const cmp =
        type.kind === 'decimal'
          ? (a: Value, b: Value) => {
              const x = a as Decimal
              const y = b as Decimal
              if (x.scale !== y.scale) return general(a, b)
              return x.unscaled < y.unscaled ? -1 : x.unscaled > y.unscaled ? 1 : 0
            }
          : general
      const sign = name === 'MIN' ? -1 : 1
      return {
        name,
        type,
        nullable: true,
        create: () => {
          let best: Value = null
          return {
            add: (v) => {
              if (v !== null && (best === null || cmp(v, best) * sign > 0)) best = v
            },
            result: () => best,
            save: () => encodeValue(best),
            load: (s) => {
              best = decodeValue(s)
            },
          }
        },
      }
    }
    default:
      throw semantic(
        `The aggregate function ${name} is not supported yet`,
        `Aggregates available: ${SUPPORTED_AGGREGATES.join(', ')}`,
      )
  }
}

function requireNumeric(name: string, t: DataType | undefined): DataType {
  if (t === undefined || !['int32', 'int64', 'float64', 'decimal', 'null'].includes(t.kind)) {
    throw semantic(
      `${name} needs a number, but its argument is ${t === undefined ? '*' : typeToString(t)}`,
      `CAST the argument to a number`,
    )
  }

  return t
}

/**
 * Sample and population variance and standard deviation in DOUBLE, by Welford's method (numerically stable
 * in one pass). Sample statistics of fewer than two values are NULL, as in PostgreSQL.
 */
function bindVariance(name: string, t: DataType): BoundAggregate {
  const population = name.endsWith('_POP')
  const root = name.startsWith('STDDEV')
  const toNumber =
    t.kind === 'decimal' ? (v: Value) => (v as Decimal).toNumber() : (v: Value) => Number(v as number | bigint)

  return {
    name,
    type: T.float64,
    nullable: true,
    create: () => {
      let n = 0
      let mean = 0
      let m2 = 0
      return {
        add: (v) => {
          if (v === null) return
          const x = toNumber(v)
          n++
          const delta = x - mean
          mean += delta / n
          m2 += delta * (x - mean)
        },
        result: () => {
          if (n === 0 || (!population && n < 2)) return null
          const variance = m2 / (population ? n : n - 1)
          return root ? Math.sqrt(variance) : variance
        },
        save: () => [n, encodeValue(mean), encodeValue(m2)],
        load: (s) => {
          const [a, b, c] = s as [number, JsonValue, JsonValue]
          n = a
          mean = decodeValue(b) as number
          m2 = decodeValue(c) as number
        },
      }
    },
  }
}

/** SUM and AVG: integers sum exactly as bigint (overflow is an error), decimals exactly, doubles as doubles. */
function bindSum(name: 'SUM' | 'AVG', t: DataType): BoundAggregate {
  const avg = name === 'AVG'
  if (t.kind === 'float64') {
    return {
      name,
      type: T.float64,
      nullable: true,
      create: () => {
        let sum = 0
        let n = 0
        return {
          add: (v) => {
            if (v === null) return
            sum += v as number
            n++
          },
          result: () => (n === 0 ? null : avg ? sum / n : sum),
          save: () => [encodeValue(sum), n],
          load: (s) => {
            const [a, b] = s as [JsonValue, number]
            sum = decodeValue(a) as number
            n = b
          },
        }
      },
    }
  }
  const scale = t.kind === 'decimal' ? t.scale : 0
  const type = avg ? T.decimal(38, Math.max(6, scale)) : t.kind === 'decimal' ? T.decimal(38, scale) : T.int64
  const toUnscaled =
    t.kind === 'decimal'
      ? (v: Value) => (v as Decimal).rescale(scale).unscaled
      : (v: Value) => BigInt(v as number | bigint)

  return {
    name,
    type,
    nullable: true,
    create: () => {
      let sum = 0n
      let n = 0n
      return {
        add: (v) => {
          if (v === null) return
          const next = sum + toUnscaled(v)
          // Checked before the state changes, so a skipped row leaves the sum as it was.
          if (!avg && t.kind !== 'decimal' && (next > I64_MAX || next < I64_MIN)) {
            throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `SUM overflows BIGINT after adding ${String(v)}`, {
              value: String(v),
              hint: 'SUM(CAST(x AS DECIMAL(38, 0))) sums without that limit',
            })
          }
          sum = next
          n++
        },
        remove: (v) => {
          if (v === null) return
          sum -= toUnscaled(v)
          n--
        },
        result: () => {
          if (n === 0n) return null
          if (!avg) return t.kind === 'decimal' ? new Decimal(sum, scale) : sum
          return new Decimal(sum, scale).div(new Decimal(n, 0), Math.max(6, scale))
        },
        save: () => [sum.toString(), n.toString()],
        load: (s) => {
          const [a, b] = s as [string, string]
          sum = BigInt(a)
          n = BigInt(b)
        },
      }
    },
  }
}
