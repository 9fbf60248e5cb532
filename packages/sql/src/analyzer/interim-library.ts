import { type DataType, Decimal, FerrisError, T, typeToString, type Value } from '@ferris/core'
import type { BoundFunction, ScalarFunction } from '../functions/function-definition.js'
import type { ArithmeticOp, ComparisonOp, OperatorLibrary } from './operator-library.js'

// Limitation: a small operator table used until the full function library (`functions/index.ts`) is
// wired in: integer, decimal and double arithmetic with overflow checks, comparisons, LIKE, ||, casts
// between numbers and strings, and a handful of functions. Everything else reports an unknown function.

const I32_MIN = -2147483648
const I32_MAX = 2147483647
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

const semantic = (message: string, hint?: string) =>
  new FerrisError('FERRIS_SQL_SEMANTIC', message, hint === undefined ? {} : { hint })
const overflow = (what: string) =>
  new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `Integer overflow: ${what}`, {
    hint: 'CAST the operands to BIGINT or DECIMAL',
  })
const numeric = (t: DataType) =>
  t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal'
const rank = (t: DataType) => ['null', 'int32', 'int64', 'decimal', 'float64'].indexOf(t.kind)

function commonType(a: DataType, b: DataType): DataType | undefined {
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  if (numeric(a) && numeric(b)) {
    if (a.kind === 'decimal' && b.kind === 'decimal') {
      const scale = Math.max(a.scale, b.scale)
      return T.decimal(Math.min(76, Math.max(a.precision - a.scale, b.precision - b.scale) + scale), scale)
    }
    if (a.kind === 'decimal' || b.kind === 'decimal') {
      const d = (a.kind === 'decimal' ? a : b) as { precision: number; scale: number }
      const other = a.kind === 'decimal' ? b : a
      if (other.kind === 'float64') return T.float64
      return T.decimal(Math.min(76, Math.max(d.precision, 19 + d.scale)), d.scale)
    }
    return rank(a) >= rank(b) ? a : b
  }
  if (a.kind === b.kind && a.kind !== 'decimal') return a

  return undefined
}

function toDecimal(t: DataType): (v: Value) => Decimal {
  if (t.kind === 'int32') return (v) => new Decimal(BigInt(v as number), 0)
  if (t.kind === 'int64') return (v) => new Decimal(v as bigint, 0)

  return (v) => v as Decimal
}

function coercer(from: DataType, to: DataType): ((v: Value) => Value) | undefined {
  if (from.kind === to.kind && from.kind !== 'decimal') return undefined
  if (from.kind === 'null') return undefined
  if (to.kind === 'int64' && from.kind === 'int32') return (v) => BigInt(v as number)
  if (to.kind === 'float64')
    return (v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : (v as Decimal).toNumber())
  if (to.kind === 'decimal') {
    const d = toDecimal(from)
    return (v) => d(v).rescale(to.scale)
  }

  return undefined
}

function fn(type: DataType, evaluate: BoundFunction['evaluate'], propagatesNull = true): BoundFunction {
  return { type, evaluate, propagatesNull }
}

function arithmetic(op: ArithmeticOp, types: readonly DataType[]): BoundFunction {
  const [l, r] = types as [DataType, DataType]
  const type = commonType(l, r)
  if (type === undefined || !(numeric(type) || type.kind === 'null')) {
    throw semantic(
      `Operator ${op} cannot be applied to ${typeToString(l)} and ${typeToString(r)}`,
      'CAST the operands to numbers',
    )
  }
  if (type.kind === 'null') return fn(T.int32, () => null)
  const cl = coercer(l, type) ?? ((v: Value) => v)
  const cr = coercer(r, type) ?? ((v: Value) => v)
  if (type.kind === 'int32') {
    const check = (x: number, a: Value, b: Value) => {
      if (x < I32_MIN || x > I32_MAX) throw overflow(`${a} ${op} ${b} does not fit INT`)
      return x
    }
    const ops: Record<ArithmeticOp, (a: number, b: number) => number> = {
      '+': (a, b) => check(a + b, a, b),
      '-': (a, b) => check(a - b, a, b),
      '*': (a, b) => check(Math.imul(a, b) === a * b ? a * b : a * b, a, b),
      '/': (a, b) => {
        if (b === 0) throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${a} / 0`)
        return check(Math.trunc(a / b), a, b)
      },
      '%': (a, b) => {
        if (b === 0) throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${a} % 0`)
        return a % b
      },
    }
    const f = ops[op]
    return fn(T.int32, (args) => f(args[0] as number, args[1] as number))
  }
  if (type.kind === 'int64') {
    const check = (x: bigint, a: Value, b: Value) => {
      if (x < I64_MIN || x > I64_MAX) throw overflow(`${a} ${op} ${b} does not fit BIGINT`)
      return x
    }
    const ops: Record<ArithmeticOp, (a: bigint, b: bigint) => bigint> = {
      '+': (a, b) => check(a + b, a, b),
      '-': (a, b) => check(a - b, a, b),
      '*': (a, b) => check(a * b, a, b),
      '/': (a, b) => {
        if (b === 0n) throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${a} / 0`)
        return check(a / b, a, b)
      },
      '%': (a, b) => {
        if (b === 0n) throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${a} % 0`)
        return a % b
      },
    }
    const f = ops[op]
    return fn(T.int64, (args) => f(cl(args[0]!) as bigint, cr(args[1]!) as bigint))
  }
  if (type.kind === 'float64') {
    const ops: Record<ArithmeticOp, (a: number, b: number) => number> = {
      '+': (a, b) => a + b,
      '-': (a, b) => a - b,
      '*': (a, b) => a * b,
      '/': (a, b) => {
        if (b === 0) throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${a} / 0`)
        return a / b
      },
      '%': (a, b) => a % b,
    }
    const f = ops[op]
    return fn(T.float64, (args) => f(cl(args[0]!) as number, cr(args[1]!) as number))
  }
  const dl = toDecimal(l)
  const dr = toDecimal(r)
  const s = (type as { scale: number }).scale
  const ops: Record<ArithmeticOp, [DataType, (a: Decimal, b: Decimal) => Decimal]> = {
    '+': [type, (a, b) => a.add(b)],
    '-': [type, (a, b) => a.sub(b)],
    '*': [T.decimal(38, Math.min(38, 2 * s)), (a, b) => a.mul(b)],
    '/': [T.decimal(38, Math.max(6, s)), (a, b) => a.div(b)],
    '%': [type, (a, b) => a.mod(b)],
  }
  const [t, f] = ops[op]
  return fn(t, (args) => f(dl(args[0]!), dr(args[1]!)))
}

function comparator(type: DataType): (a: Value, b: Value) => number {
  if (type.kind === 'decimal') return (a, b) => (a as Decimal).compare(b as Decimal)
  if (type.kind === 'boolean') return (a, b) => Number(a) - Number(b)

  return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0)
}

function comparison(
  op: ComparisonOp,
  types: readonly DataType[],
  literals: readonly (Value | undefined)[],
): BoundFunction {
  let [l, r] = types as [DataType, DataType]
  // A string literal beside a number is read as that number, as PostgreSQL reads an untyped literal.
  if (l.kind === 'string' && numeric(r) && typeof literals[0] === 'string') l = r
  if (r.kind === 'string' && numeric(l) && typeof literals[1] === 'string') r = l
  const type = commonType(l, r)
  if (type === undefined) {
    throw semantic(
      `Cannot compare ${typeToString(l)} with ${typeToString(r)} using ${op}`,
      'CAST one side to the type of the other',
    )
  }
  if (type.kind === 'null') return fn(T.boolean, () => null)
  const conv = (t: DataType) => {
    if (t.kind === 'string' && type.kind !== 'string') {
      return (v: Value) =>
        type.kind === 'decimal' ? Decimal.parse(v as string) : type.kind === 'int64' ? BigInt(v as string) : Number(v)
    }
    return coercer(t, type) ?? ((v: Value) => v)
  }
  const cl = conv(types[0]!)
  const cr = conv(types[1]!)
  const cmp = comparator(type)
  const test: Record<ComparisonOp, (c: number) => boolean> = {
    '=': (c) => c === 0,
    '<>': (c) => c !== 0,
    '<': (c) => c < 0,
    '<=': (c) => c <= 0,
    '>': (c) => c > 0,
    '>=': (c) => c >= 0,
  }
  const t = test[op]

  return fn(T.boolean, (args) => t(cmp(cl(args[0]!), cr(args[1]!))))
}

function likeRegex(pattern: string, escapeChar: string | undefined, flags: string): RegExp {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (escapeChar !== undefined && c === escapeChar && i + 1 < pattern.length)
      out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    else if (c === '%') out += '[\\s\\S]*'
    else if (c === '_') out += '[\\s\\S]'
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }

  return new RegExp(`^${out}$`, flags)
}

function cast(from: DataType, to: DataType): BoundFunction {
  const bad = (v: Value) =>
    new FerrisError('FERRIS_TYPE_CONVERSION', `Cannot cast ${JSON.stringify(String(v))} to ${typeToString(to)}`, {
      value: String(v),
      hint: 'Use TRY_CAST to get NULL instead of an error',
    })
  if (from.kind === to.kind && to.kind !== 'decimal') return fn(to, (a) => a[0]!)
  if (to.kind === 'string')
    return fn(to, (a) => (a[0] instanceof Uint8Array ? new TextDecoder().decode(a[0]) : String(a[0])))
  if (from.kind === 'string') {
    return fn(to, (a) => {
      const s = (a[0] as string).trim()
      switch (to.kind) {
        case 'int32':
        case 'int64': {
          if (!/^[+-]?\d+$/.test(s)) throw bad(s)
          const n = BigInt(s)
          if (to.kind === 'int32') {
            if (n < I32_MIN || n > I32_MAX) throw bad(s)
            return Number(n)
          }
          if (n < I64_MIN || n > I64_MAX) throw bad(s)
          return n
        }
        case 'float64': {
          const n = Number(s)
          if (s === '' || Number.isNaN(n)) throw bad(s)
          return n
        }
        case 'decimal':
          try {
            return Decimal.parse(s).rescale(to.scale)
          } catch {
            throw bad(s)
          }
        case 'boolean':
          if (/^(true|t|1)$/i.test(s)) return true
          if (/^(false|f|0)$/i.test(s)) return false
          throw bad(s)
        default:
          throw bad(s)
      }
    })
  }
  if (numeric(from) && numeric(to)) {
    if (to.kind === 'int32' || to.kind === 'int64') {
      return fn(to, (a) => {
        const v = a[0]!
        const n =
          typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.round(v)) : (v as Decimal).rescale(0).unscaled
        const [lo, hi] = to.kind === 'int32' ? [BigInt(I32_MIN), BigInt(I32_MAX)] : [I64_MIN, I64_MAX]
        if (n < lo || n > hi) throw overflow(`${String(v)} does not fit ${typeToString(to)}`)
        return to.kind === 'int32' ? Number(n) : n
      })
    }
    if (to.kind === 'float64') return fn(to, (a) => (coercer(from, to) ?? ((v: Value) => v))(a[0]!))
    if (to.kind === 'decimal') {
      const d = from.kind === 'float64' ? (v: Value) => Decimal.fromNumber(v as number) : toDecimal(from)
      return fn(to, (a) => d(a[0]!).rescale(to.scale))
    }
  }
  throw semantic(`Cannot cast ${typeToString(from)} to ${typeToString(to)}`)
}

function simple(name: string, signature: string, bind: ScalarFunction['bind']): ScalarFunction {
  return { name, signature, bind }
}

function arity(name: string, types: readonly DataType[], n: number) {
  if (types.length !== n) {
    throw semantic(
      `${name} takes ${n} argument${n === 1 ? '' : 's'}, but ${types.length} ${types.length === 1 ? 'was' : 'were'} given`,
    )
  }
}

const FUNCTIONS: ScalarFunction[] = [
  simple('UPPER', 'UPPER(s) → STRING', (t) => {
    arity('UPPER', t, 1)
    return fn(T.string, (a) => (a[0] as string).toUpperCase())
  }),
  simple('LOWER', 'LOWER(s) → STRING', (t) => {
    arity('LOWER', t, 1)
    return fn(T.string, (a) => (a[0] as string).toLowerCase())
  }),
  simple('LENGTH', 'LENGTH(s) → INT', (t) => {
    arity('LENGTH', t, 1)
    return fn(T.int32, (a) => [...(a[0] as string)].length)
  }),
  simple('ABS', 'ABS(x) → same type', (t) => {
    arity('ABS', t, 1)
    return fn(t[0]!, (a) => {
      const v = a[0]!
      return typeof v === 'bigint' ? (v < 0n ? -v : v) : typeof v === 'number' ? Math.abs(v) : (v as Decimal).abs()
    })
  }),
  simple('COALESCE', 'COALESCE(x, ...) → common type', (t) => {
    let type: DataType = T.null
    for (const x of t) type = commonType(type, x) ?? type
    const conv = t.map((x) => coercer(x, type) ?? ((v: Value) => v))
    return fn(
      type,
      (a) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== null) return conv[i]!(a[i]!)
        return null
      },
      false,
    )
  }),
]

export const interimLibrary: OperatorLibrary = {
  lookupFunction: (name) => FUNCTIONS.find((f) => f.name === name.toUpperCase()),
  functionNames: () => FUNCTIONS.map((f) => f.name),
  arithmetic: (op, types) => arithmetic(op, types),
  negate: (types) => {
    const t = types[0]!
    if (!numeric(t) && t.kind !== 'null') throw semantic(`Cannot negate a ${typeToString(t)}`)
    return fn(t, (a) => {
      const v = a[0]!
      if (typeof v === 'bigint') {
        if (v === I64_MIN) throw overflow(`-(${v}) does not fit BIGINT`)
        return -v
      }
      if (typeof v === 'number') {
        if (t.kind === 'int32' && v === I32_MIN) throw overflow(`-(${v}) does not fit INT`)
        return -v
      }
      return (v as Decimal).neg()
    })
  },
  comparison,
  like: (types, literals, caseInsensitive) => {
    if (types.some((t) => t.kind !== 'string' && t.kind !== 'null')) throw semantic('LIKE needs STRING operands')
    const flags = caseInsensitive ? 'iu' : 'u'
    const escapeChar = literals[2] as string | undefined
    const constant = typeof literals[1] === 'string' ? likeRegex(literals[1], escapeChar, flags) : undefined
    return fn(T.boolean, (a) =>
      (constant ?? likeRegex(a[1] as string, a[2] as string | undefined, flags)).test(a[0] as string),
    )
  },
  concat: (types) => {
    if (types.some((t) => t.kind !== 'string' && t.kind !== 'null')) {
      throw semantic(
        `|| needs STRING operands, got ${types.map(typeToString).join(' and ')}`,
        'CAST the operand to STRING',
      )
    }
    return fn(T.string, (a) => (a[0] as string) + (a[1] as string))
  },
  cast: (from, to) => cast(from, to),
  commonType,
  coercer,
  typedLiteral: (text, type) => {
    if (type.kind === 'date') {
      const ms = Date.parse(`${text.trim()}T00:00:00Z`)
      if (Number.isNaN(ms)) throw semantic(`Bad DATE literal '${text}'`, "Write DATE '2024-01-31'")
      return ms / 86_400_000
    }
    const ms = Date.parse(`${text.trim().replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`)
    if (Number.isNaN(ms)) throw semantic(`Bad TIMESTAMP literal '${text}'`, "Write TIMESTAMP '2024-01-31 10:00:00'")
    return BigInt(ms) * 1_000_000n
  },
}
