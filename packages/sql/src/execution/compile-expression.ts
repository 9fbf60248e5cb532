import { bytesPreview, FerrisError, isFerrisError, type RecordMeta, type Row, type Value } from '@ferris/core'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import type { BoundFunction, EvalContext } from '../functions/function-definition.js'

/** A compiled expression: reads `row[i]` (and the record's metadata) and returns the value. */
export type CompiledExpr = (row: Row, meta: RecordMeta | undefined) => Value

/** The context every call of one query shares; `meta` is set per row for functions that read it. */
export interface MutableEvalContext extends EvalContext {
  meta?: RecordMeta | undefined
}

// Fatal: a key that is not UTF-8 read as text would be a different key made of U+FFFD characters.
const decoder = new TextDecoder('utf-8', { fatal: true })

/** The text of a binary record key; one that is not UTF-8 is a bad record. */
function keyText(k: Uint8Array): string {
  try {
    return decoder.decode(k)
  } catch (error) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', 'The record key (_key) is not UTF-8 text', {
      subject: '_key',
      value: bytesPreview(k),
      expected: 'a UTF-8 key, as _key is a STRING',
      hint: "Declare _key as BYTES in the source's columns to read keys that are not text",
      cause: error,
    })
  }
}

/** Runtime helpers the generated code calls for record metadata. */
const helpers = {
  key(meta: RecordMeta | undefined): Value {
    const k = meta?.key
    if (k === undefined || k === null) return null
    if (typeof k === 'string') return k
    if (k instanceof Uint8Array) return keyText(k)

    return typeof k === 'object' ? JSON.stringify(k, (_n, v) => (typeof v === 'bigint' ? v.toString() : v)) : String(k)
  },
  timestamp: (meta: RecordMeta | undefined): Value => meta?.timestamp ?? null,
  // Limitation: `_partition` is an INT; a source whose partitions are names (a file) reads as NULL here.
  partition: (meta: RecordMeta | undefined): Value => (typeof meta?.partition === 'number' ? meta.partition : null),
  offset: (meta: RecordMeta | undefined): Value => meta?.offset ?? null,
  topic: (meta: RecordMeta | undefined): Value => meta?.topic ?? null,
  isFerrisError,
}

/**
 * Compiles a bound expression into one JavaScript function, once per query. The tree becomes straight-line
 * code: column reads are `row[i]`, constants are captured values, NULL checks and SQL's three-valued AND/OR
 * are inline branches, and each bound function is called with a preallocated argument array. Nothing is
 * looked up or allocated per record beyond what the functions themselves return.
 */
export function compileExpression(expr: BoundExpr, context: MutableEvalContext): CompiledExpr {
  const gen = new Generator()
  const result = gen.emit(expr)
  const body = `${gen.lines.join('\n')}\nreturn ${result}`
  const factory = new Function(
    'fns',
    'consts',
    'ctx',
    'h',
    `${gen.preamble.join('\n')}\nreturn function compiled(row, meta) {\n${body}\n}`,
  ) as (fns: BoundFunction[], consts: unknown[], ctx: MutableEvalContext, h: typeof helpers) => CompiledExpr

  return factory(gen.fns, gen.consts, context, helpers)
}

class Generator {
  readonly lines: string[] = []
  readonly preamble: string[] = []
  readonly fns: BoundFunction[] = []
  readonly consts: unknown[] = []
  #n = 0

  #var(): string {
    return `v${this.#n++}`
  }

  #const(value: unknown): string {
    const i = this.consts.length
    this.consts.push(value)
    const name = `c${i}`
    this.preamble.push(`const ${name} = consts[${i}]`)

    return name
  }

  /** Emits code computing `e` and returns the variable (or constant expression) holding it. */
  emit(e: BoundExpr): string {
    switch (e.kind) {
      case 'column': {
        const v = this.#var()
        // `?? null`: a short row reads as NULL rather than undefined leaking into a sink.
        this.lines.push(`const ${v} = row[${e.index}] ?? null`)
        return v
      }
      case 'meta': {
        const v = this.#var()
        const fn = {
          _key: 'key',
          _timestamp: 'timestamp',
          _partition: 'partition',
          _offset: 'offset',
          _topic: 'topic',
        }[e.field]
        this.lines.push(`const ${v} = h.${fn}(meta)`)
        return v
      }
      case 'literal':
        if (e.value === null) return 'null'
        if (typeof e.value === 'boolean' || (typeof e.value === 'number' && Number.isFinite(e.value)))
          return String(e.value)
        return this.#const(e.value)
      case 'call':
        return this.#call(e.fn, e.args)
      case 'and':
      case 'or': {
        // AND: false wins, then NULL, else true. OR: true wins, then NULL, else false.
        const v = this.#var()
        const label = `L${v}`
        const stop = e.kind === 'and' ? 'false' : 'true'
        const rest = e.kind === 'and' ? 'true' : 'false'
        this.lines.push(`let ${v} = ${rest}`, `${label}: {`)
        for (const arg of e.args) {
          const x = this.emit(arg)
          this.lines.push(`if (${x} === ${stop}) { ${v} = ${stop}; break ${label} }`, `if (${x} === null) ${v} = null`)
        }
        this.lines.push('}')
        return v
      }
      case 'not': {
        const x = this.emit(e.arg)
        const v = this.#var()
        this.lines.push(`const ${v} = ${x} === null ? null : !${x}`)
        return v
      }
      case 'is_null': {
        const x = this.emit(e.arg)
        const v = this.#var()
        this.lines.push(`const ${v} = ${x} ${e.negated ? '!==' : '==='} null`)
        return v
      }
      case 'distinct': {
        const l = this.emit(e.left)
        const r = this.emit(e.right)
        const fn = this.#fn(e.eq)
        const args = this.#args(2)
        const v = this.#var()
        // distinct: both NULL → false; one NULL → true; else NOT (l = r). IS NOT DISTINCT is the inverse.
        this.lines.push(
          `let ${v}`,
          `if (${l} === null || ${r} === null) ${v} = !(${l} === null && ${r} === null)`,
          `else { ${args}[0] = ${l}; ${args}[1] = ${r}; ${v} = ${fn}.evaluate(${args}, ctx) !== true }`,
        )
        if (e.negated) this.lines.push(`${v} = !${v}`)
        return v
      }
      case 'case': {
        const v = this.#var()
        const label = `L${v}`
        this.lines.push(`let ${v} = null`, `${label}: {`)
        for (const w of e.whens) {
          const c = this.emit(w.condition)
          this.lines.push(`if (${c} === true) {`)
          const r = this.emit(w.result)
          this.lines.push(`${v} = ${r}; break ${label}`, '}')
        }
        if (e.otherwise !== undefined) {
          const r = this.emit(e.otherwise)
          this.lines.push(`${v} = ${r}`)
        }
        this.lines.push('}')
        return v
      }
      case 'try': {
        const v = this.#var()
        this.lines.push(`let ${v}`, 'try {')
        const x = this.emit(e.arg)
        this.lines.push(`${v} = ${x}`, `} catch (err) { if (h.isFerrisError(err)) ${v} = null; else throw err }`)
        return v
      }
      case 'coerce': {
        const x = this.emit(e.arg)
        const conv = this.#const(e.convert)
        const v = this.#var()
        this.lines.push(`const ${v} = ${x} === null ? null : ${conv}(${x})`)
        return v
      }
    }
  }

  #fn(fn: BoundFunction): string {
    const i = this.fns.length
    this.fns.push(fn)
    const name = `f${i}`
    this.preamble.push(`const ${name} = fns[${i}]`)

    return name
  }

  #args(n: number): string {
    const name = `a${this.#n++}`
    this.preamble.push(`const ${name} = new Array(${n}).fill(null)`)

    return name
  }

  #call(fn: BoundFunction, args: readonly BoundExpr[]): string {
    const f = this.#fn(fn)
    const a = this.#args(args.length)
    const v = this.#var()
    const setMeta = fn.readsMeta === true ? 'ctx.meta = meta; ' : ''
    if (fn.propagatesNull === false) {
      const xs = args.map((arg) => this.emit(arg))
      this.lines.push(
        `${xs.map((x, i) => `${a}[${i}] = ${x}`).join('; ')}`,
        `${setMeta}const ${v} = ${f}.evaluate(${a}, ctx)`,
      )
      return v
    }
    // SQL's default rule: any NULL argument gives NULL, and later arguments are not evaluated.
    const label = `L${v}`
    this.lines.push(`let ${v} = null`, `${label}: {`)
    args.forEach((arg, i) => {
      const x = this.emit(arg)
      this.lines.push(`if (${x} === null) break ${label}`, `${a}[${i}] = ${x}`)
    })
    this.lines.push(`${setMeta}${v} = ${f}.evaluate(${a}, ctx)`, '}')
    return v
  }
}
