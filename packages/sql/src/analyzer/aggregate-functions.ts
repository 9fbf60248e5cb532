import type { JsonValue } from '@ferris/core'
import { type DataType, Decimal, FerrisError, T, typeToString, type Value } from '@ferris/core'
import { decodeValue, encodeValue, hashKey } from '../execution/value-codec.js'
import { comparatorOf } from '../functions/index.js'
import { ArrivalBag, notHeld, ValueCounts } from './retraction-state.js'

/**
 * One group's running state for one aggregate. `add` sees each non-filtered input value (NULLs included:
 * each aggregate decides; SQL's aggregates ignore them), `result` is the current value, and `save`/`load`
 * turn the state into JSON for checkpoints, exactly.
 *
 * `retract` undoes one earlier `add` of an equal value (a change stream's UPDATE_BEFORE or DELETE row). It
 * either applies completely or throws and changes nothing, so an operator can undo the aggregates of a row
 * that were already applied. COUNT, SUM, AVG and the variances retract from any accumulator; MIN, MAX,
 * FIRST_VALUE, LAST_VALUE, LISTAGG and DISTINCT need the values they hold, kept only by accumulators created
 * with `retractable` (they throw otherwise).
 */
export interface Accumulator {
  add(value: Value): void
  /**
   * Takes back a value added before (a change stream's UPDATE_BEFORE or DELETE); throws when the value was never
   * added.
   */
  retract(value: Value): void
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
  /** `retractable`: keep what `retract` needs (more memory for MIN, MAX, FIRST/LAST_VALUE, LISTAGG, DISTINCT). */
  create(retractable?: boolean): Accumulator
}

/** The retract of an accumulator created without `retractable`: the operator should never have called it. */
function appendOnly(name: string): never {
  throw new FerrisError(
    'FERRIS_INTERNAL',
    `${name} was created for an append-only stream and cannot take back a value`,
    { hint: 'Report this: the aggregate operator should have created retractable accumulators' },
  )
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
/** 10^38: the bound (exclusive) of the unscaled value of a DECIMAL(38, s), the type of decimal SUM and AVG. */
export const DECIMAL_38_LIMIT = 10n ** 38n

/** The error of a decimal SUM (or AVG) whose value no longer fits its DECIMAL(38, scale) type. */
export function decimalSumOverflow(scale: number, detail: string, value: string): FerrisError {
  return new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `SUM overflows DECIMAL(38, ${scale}) ${detail}`, {
    value,
    hint:
      scale > 0
        ? `A DECIMAL(38, ${scale}) holds ${38 - scale} digits before the point: sum fewer decimals, e.g. SUM(CAST(x AS DECIMAL(38, 0))), or sum CAST(x AS DOUBLE) for an inexact total`
        : 'A DECIMAL(38, 0) holds 38 digits: sum CAST(x AS DOUBLE) for an inexact total',
  })
}

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
    create: (retractable) => {
      if (retractable === true) return distinctRetractable(name, base.create(true))
      const seen = new Map<unknown, Value>()
      const inner = base.create()
      return {
        add: (v) => {
          if (v === null) return
          const k = hashKey(v)
          if (seen.has(k)) return
          inner.add(v)
          seen.set(k, v)
        },
        retract: () => appendOnly(`${name}(DISTINCT)`),
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

/** DISTINCT under retractions: a count per value; the inner aggregate sees a value's first add and last retract. */
function distinctRetractable(name: string, inner: Accumulator): Accumulator {
  const seen = new ValueCounts()
  return {
    add: (v) => {
      if (v === null) return
      if (seen.add(v)) inner.add(v)
    },
    retract: (v) => {
      if (v === null) return
      if (!seen.remove(v, `${name}(DISTINCT)`)) return
      try {
        inner.retract(v)
      } catch (error) {
        seen.add(v)
        throw error
      }
    },
    result: () => inner.result(),
    save: () => ({ counts: seen.save(), inner: inner.save() }),
    load: (s) => {
      const o = s as { counts: JsonValue; inner: JsonValue }
      seen.load(o.counts)
      inner.load(o.inner)
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
        create: (retractable) => {
          if (retractable === true) {
            const bag = new ArrivalBag()
            return {
              add: (v) => {
                if (v !== null) bag.add(v)
              },
              retract: (v) => {
                if (v !== null) bag.remove(v, name)
              },
              result: () => (first ? bag.first() : bag.last()),
              save: () => bag.save(),
              load: (s) => bag.load(s),
            }
          }
          let value: Value = null
          return {
            add: (v) => {
              // NULLs are skipped like every aggregate's; "first" and "last" follow arrival order.
              if (v !== null && (!first || value === null)) value = v
            },
            retract: () => appendOnly(name),
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
        create: (retractable) => {
          if (retractable === true) {
            const bag = new ArrivalBag()
            // The joined text, rebuilt only when asked for after a change.
            let text: string | null | undefined = null
            return {
              add: (v) => {
                if (v === null) return
                bag.add(v)
                if (text !== undefined) text = text === null ? (v as string) : `${text}${sep}${v as string}`
              },
              retract: (v) => {
                if (v === null) return
                bag.remove(v, name)
                text = undefined
              },
              result: () => {
                if (text === undefined) text = bag.size === 0 ? null : [...bag.values()].join(sep)
                return text
              },
              save: () => bag.save(),
              load: (s) => {
                bag.load(s)
                text = undefined
              },
            }
          }
          let text: string | null = null
          return {
            add: (v) => {
              if (v === null) return
              text = text === null ? (v as string) : `${text}${sep}${v as string}`
            },
            retract: () => appendOnly(name),
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
            retract: (v) => {
              if (v === null) return
              if (n === 0n) throw notHeld(name, v)
              n--
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
        create: (retractable) => {
          let best: Value = null
          if (retractable === true) {
            // Every value held, with its count; `stale` when the best one was retracted and must be found again.
            const held = new ValueCounts()
            let stale = false
            return {
              add: (v) => {
                if (v === null) return
                held.add(v)
                if (!stale && (best === null || cmp(v, best) * sign > 0)) best = v
              },
              retract: (v) => {
                if (v === null) return
                if (held.remove(v, name) && best !== null && cmp(v, best) === 0) stale = true
              },
              result: () => {
                if (stale) {
                  best = null
                  for (const { value } of held.values()) if (best === null || cmp(value, best) * sign > 0) best = value
                  stale = false
                }
                return best
              },
              save: () => held.save(),
              load: (s) => {
                held.load(s)
                stale = true
              },
            }
          }
          return {
            add: (v) => {
              if (v !== null && (best === null || cmp(v, best) * sign > 0)) best = v
            },
            retract: () => appendOnly(name),
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
 * Sample and population variance and standard deviation in DOUBLE. Integers and decimals keep the count, sum
 * and sum of squares exactly (bigint, unscaled), so retractions subtract without error and the result is
 * rounded once; doubles use Welford's method (numerically stable in one pass), run backwards to retract.
 * Sample statistics of fewer than two values are NULL, as in PostgreSQL.
 */
function bindVariance(name: string, t: DataType): BoundAggregate {
  const population = name.endsWith('_POP')
  const root = name.startsWith('STDDEV')
  const finish = (variance: number) => (root ? Math.sqrt(variance) : variance)
  if (t.kind !== 'float64') {
    const scale = t.kind === 'decimal' ? t.scale : 0
    const unscaled =
      t.kind === 'decimal'
        ? (v: Value) => (v as Decimal).rescale(scale).unscaled
        : (v: Value) => BigInt(v as number | bigint)
    const unit = 10n ** BigInt(2 * scale)
    return {
      name,
      type: T.float64,
      nullable: true,
      create: () => {
        let n = 0n
        let s1 = 0n
        let s2 = 0n
        return {
          add: (v) => {
            if (v === null) return
            const x = unscaled(v)
            n++
            s1 += x
            s2 += x * x
          },
          retract: (v) => {
            if (v === null) return
            if (n === 0n) throw notHeld(name, v)
            const x = unscaled(v)
            n--
            s1 -= x
            s2 -= x * x
          },
          result: () => {
            if (n === 0n || (!population && n < 2n)) return null
            // n·Σx² − (Σx)² is exact; one division rounds it.
            const numerator = n * s2 - s1 * s1
            const denominator = (population ? n * n : n * (n - 1n)) * unit
            return finish(ratio(numerator, denominator))
          },
          save: () => [n.toString(), s1.toString(), s2.toString()],
          load: (s) => {
            const [a, b, c] = s as [string, string, string]
            n = BigInt(a)
            s1 = BigInt(b)
            s2 = BigInt(c)
          },
        }
      },
    }
  }

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
          const x = v as number
          n++
          const delta = x - mean
          mean += delta / n
          m2 += delta * (x - mean)
        },
        retract: (v) => {
          if (v === null) return
          if (n === 0) throw notHeld(name, v)
          const x = v as number
          if (n === 1) {
            n = 0
            mean = 0
            m2 = 0
            return
          }
          // Welford's step backwards. Limitation: like any subtraction of doubles it can leave rounding residue.
          const before = (n * mean - x) / (n - 1)
          m2 = Math.max(0, m2 - (x - before) * (x - mean))
          mean = before
          n--
        },
        result: () => {
          if (n === 0 || (!population && n < 2)) return null
          return finish(m2 / (population ? n : n - 1))
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

/** a / b as the nearest double, for bigints of any size (Number() of each alone could overflow or round twice). */
function ratio(a: bigint, b: bigint): number {
  if (a === 0n) return 0
  // Scale so the quotient has 64 significant bits, divide exactly, then convert once.
  const shift = BigInt(Math.max(0, b.toString(2).length - a.toString(2).length + 64))
  const q = (a << shift) / b

  return Number(q) / 2 ** Number(shift)
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
          retract: (v) => {
            if (v === null) return
            if (n === 0) throw notHeld(name, v)
            // Limitation: subtracting doubles can leave rounding residue; an emptied group starts from 0 again.
            n--
            sum = n === 0 ? 0 : sum - (v as number)
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

  // Checked before the state changes, so a skipped row leaves the sum as it was.
  const checked = (next: bigint, doing: string, v: Value): bigint => {
    if (!avg && t.kind !== 'decimal' && (next > I64_MAX || next < I64_MIN)) {
      throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `SUM overflows BIGINT after ${doing} ${String(v)}`, {
        value: String(v),
        hint: 'SUM(CAST(x AS DECIMAL(38, 0))) sums up to 38 digits',
      })
    }
    // The sum is typed DECIMAL(38, scale): a value of more digits would not fit its own column.
    if (!avg && t.kind === 'decimal' && (next >= DECIMAL_38_LIMIT || next <= -DECIMAL_38_LIMIT)) {
      throw decimalSumOverflow(scale, `after ${doing} ${String(v)}`, String(v))
    }
    return next
  }

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
          sum = checked(sum + toUnscaled(v), 'adding', v)
          n++
        },
        retract: (v) => {
          if (v === null) return
          if (n === 0n) throw notHeld(name, v)
          sum = checked(sum - toUnscaled(v), 'taking back', v)
          n--
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
